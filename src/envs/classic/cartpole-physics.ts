// Gymnasium's CartPole-v1 constants (envs-ppo.md §1.8).
export const CARTPOLE = {
  gravity: 9.8,
  massCart: 1.0,
  massPole: 0.1,
  totalMass: 1.1,
  length: 0.5, // half the pole's length
  poleMassLength: 0.05,
  forceMag: 10.0,
  tau: 0.02,
  thetaThresholdRadians: (12 * 2 * Math.PI) / 360,
  xThreshold: 2.4,
} as const;

/**
 * One Euler step of the cart-pole dynamics on `s = [x, ẋ, θ, θ̇]` (float64) in place; returns true when
 * the pole fell or the cart left the track. Shared by the single and the vectorised env so both give
 * the same trajectory bit for bit.
 */
export function cartPoleStep(s: Float64Array, o: number, action: number): boolean {
  const c = CARTPOLE;
  const x = s[o]!, xDot = s[o + 1]!, theta = s[o + 2]!, thetaDot = s[o + 3]!;
  const force = action === 1 ? c.forceMag : -c.forceMag;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const temp = (force + c.poleMassLength * thetaDot * thetaDot * sin) / c.totalMass;
  const thetaAcc = (c.gravity * sin - cos * temp) / (c.length * (4.0 / 3.0 - (c.massPole * cos * cos) / c.totalMass));
  const xAcc = temp - (c.poleMassLength * thetaAcc * cos) / c.totalMass;
  const nx = x + c.tau * xDot;
  const nTheta = theta + c.tau * thetaDot;
  s[o] = nx;
  s[o + 1] = xDot + c.tau * xAcc;
  s[o + 2] = nTheta;
  s[o + 3] = thetaDot + c.tau * thetaAcc;
  return nx < -c.xThreshold || nx > c.xThreshold || nTheta < -c.thetaThresholdRadians || nTheta > c.thetaThresholdRadians;
}

