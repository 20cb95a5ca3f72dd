// The peer for our token benchmarks: livekit-server-sdk 2.19.2 in Node,
// minting and verifying the same token our benchmark does. Prints JSON
// {"alias_ns", "mint_ns", "verify_ns"}: median ns per operation over several rounds.
// The npm packages are installed once, pinned, under tests/interop.
const { AccessToken, TokenVerifier } = await import(
  new URL('../../tests/interop/node_modules/livekit-server-sdk/dist/index.js', import.meta.url));

const ROOM = 'O8437W3+jmzMVjoIP3tNwbm+XxHQk2iKpOA7aqw3qSc';
const IDENTITY = 'J+T45tGruxc+HrUOqJJlyQSV33m728Cme4+vt8/SWrU';
const rounds = Number(process.env.ROUNDS ?? 5);
const perRound = Number(process.env.PER_ROUND ?? 20000);

async function mint() {
  const at = new AccessToken('APIKEY', 'secret', { identity: IDENTITY, ttl: 3600 });
  at.addGrant({ room: ROOM, roomJoin: true, roomCreate: false, canPublish: true, canSubscribe: true,
    canUpdateOwnMetadata: false, hidden: false });
  return at.toJwt();
}

async function measure(fn) {
  for (let i = 0; i < perRound / 10; i++) await fn();  // warm-up (JIT)
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) await fn();
    samples.push(Number(process.hrtime.bigint() - start) / perRound);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

// matrix-js-sdk's recipe for names (computeRtcIdentityRaw uses WebCrypto; the
// synchronous node:crypto hash is the faster of the two, so the fairer peer).
const { createHash } = await import('node:crypto');
const alias = () => createHash('sha256').update(JSON.stringify(['!roomid:example.com', 'm.call#ROOM']))
  .digest('base64').replace(/=+$/, '');

const token = await mint();
const verifier = new TokenVerifier('APIKEY', 'secret');
const result = {
  alias_ns: await measure(alias),
  mint_ns: await measure(mint),
  verify_ns: await measure(() => verifier.verify(token)),
};
console.log(JSON.stringify(result));
