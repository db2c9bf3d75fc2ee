// The viewer page's entry (bundled by ../build-page.ts). Placeholder until the page lands.
import { PROTOCOL_VERSION } from '../protocol.ts';

const app = document.getElementById('app');
if (app) app.textContent = `rudder-ts viewer (protocol ${PROTOCOL_VERSION})`;
