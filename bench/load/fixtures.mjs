// Test homeserver (TLS, CA made now) and test SFU for the load benchmark,
// reusing the black-box test fixtures. Prints one JSON line with what the
// service needs, then serves until killed.
import { TestCa } from '../../tests/programs/matrixrtc-auth/support/pki.mjs';
import { TestHomeserver } from '../../tests/programs/matrixrtc-auth/support/homeserver.mjs';
import { TestSfu } from '../../tests/programs/matrixrtc-auth/support/sfu.mjs';

const ca = new TestCa();
const hs = await new TestHomeserver(ca, { names: ['IP:127.0.0.1'] }).start();
const server = `127.0.0.1:${hs.port}`;
hs.users.set('bench-token', `@bench:${server}`);
const sfu = await new TestSfu({ key: 'APIKEY', secret: 'bench-secret' }).start();
console.log(JSON.stringify({ server, caFile: ca.caFile, livekitUrl: sfu.url }));
