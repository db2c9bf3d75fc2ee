import { describe, expect, it } from 'vitest';
import { censoredMedian, fmtSteps, svgPlot } from '../bench/svg-plot.ts';

describe('bench svg-plot', () => {
  it('censoredMedian counts a censored run (null) as +∞ and is null when the median itself is censored', () => {
    expect(censoredMedian([3, 1, 2])).toBe(2);
    expect(censoredMedian([1, null, 2])).toBe(2);
    expect(censoredMedian([4, null, null])).toBeNull();
    expect(censoredMedian([1, 3, null, 5])).toBe(4);
    expect(censoredMedian([])).toBeNull();
  });

  it('fmtSteps', () => {
    expect([fmtSteps(800), fmtSteps(12_345), fmtSteps(2_000_000), fmtSteps(1_250_000)]).toEqual(['800', '12.3k', '2M', '1.25M']);
  });

  it('draws a dot per seed (open at the budget when censored), a median line per series and a legend', () => {
    const svg = svgPlot({
      title: 'T <&>', xLabel: 'D', yLabel: 'steps', x: [0, 50, 200], budget: 1_000_000,
      series: [
        { name: 'PPO', color: '#d62728', values: [[1e5, 2e5], [3e5, null], [null, null]] },
        { name: 'PPO + RUDDER', color: '#1f77b4', values: [[1e5, 1.5e5], [2e5, 2e5], [2e5, 4e5]] },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('T &lt;&amp;&gt;');
    expect((svg.match(/<circle /g) ?? []).length).toBe(12);
    expect((svg.match(/fill="white" stroke=/g) ?? []).length).toBe(3);
    expect((svg.match(/<polyline /g) ?? []).length).toBe(2);
    expect(svg).toContain('PPO + RUDDER');
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });
});
