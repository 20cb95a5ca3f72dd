// The membership corpus for the cross-implementation test: rooms (lists of
// events in the client-server format) with valid, legacy, expired, malformed
// and adversarial memberships. Deterministic: no randomness, no clock.
//
// Each case may declare `diffs`: the deliberate disagreements with
// matrix-js-sdk 43 (ids as in docs/membership-disagreements.md), each naming
// the path in the compared view, js-sdk's value and ours.

export const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

let serial = 0;
const nextId = () => `$ev${String(++serial).padStart(4, '0')}`;

const member = (user, membership = 'join') =>
  ({ type: 'm.room.member', state_key: user, sender: user, content: { membership }, origin_server_ts: NOW - 10 * HOUR, event_id: nextId() });

const transport = (url, extra = {}) => ({ type: 'livekit', livekit_service_url: url, ...extra });

/** Legacy content as js-sdk 43 sends it, with overrides (undefined deletes a key). */
export function legacyContent(device, overrides = {}) {
  const content = {
    application: 'm.call', call_id: '', scope: 'm.room', device_id: device, expires: 4 * HOUR,
    'm.call.intent': 'video',
    focus_active: { type: 'livekit', focus_selection: 'multi_sfu' },
    foci_preferred: [transport('https://lk.example.org', { livekit_alias: '!room:example.org' })],
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete content[k]; else content[k] = v;
  }
  return content;
}

export function legacy(user, device, overrides = {}, { ts = NOW - HOUR, stateKey, unsigned } = {}) {
  const event = {
    type: 'org.matrix.msc3401.call.member', state_key: stateKey ?? `_${user}_${device}_m.call`, sender: user,
    content: legacyContent(device, overrides), origin_server_ts: ts, event_id: nextId(),
  };
  if (unsigned) event.unsigned = unsigned;
  return event;
}

/** Gen 2 sticky content as js-sdk 43 sends it. */
export function rtcContent(user, device, memberId, overrides = {}) {
  const content = {
    slot_id: 'm.call#ROOM', application: { type: 'm.call', 'm.call.intent': 'video' },
    transports: { published: [transport('https://lk.example.org')], can_subscribe: ['livekit'] },
    member: { device_id: device, user_id: user, id: memberId }, versions: [], msc4354_sticky_key: memberId,
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete content[k]; else content[k] = v;
  }
  return content;
}

export function sticky(user, content, { ts = NOW - 60_000, duration = HOUR, type = 'org.matrix.msc4143.rtc.member', extra = {} } = {}) {
  return { type, sender: user, content, origin_server_ts: ts, event_id: nextId(), msc4354_sticky: { duration_ms: duration }, ...extra };
}

const rtc = (user, device, memberId, overrides, options) => sticky(user, rtcContent(user, device, memberId, overrides), options);

const A = '@alice:example.org';
const B = '@bob:example.org';
const C = '@carol:example.org';
const M = '@mallory:evil.example';
const joined = () => [member(A), member(B), member(C), member(M)];

/** One room per malformed content, so each rejection is compared alone. */
function single(name, event, diffs = []) {
  return { name, now: NOW, events: [...joined(), event], diffs: diffs.map((d) => ({ ...d, event: event.event_id })) };
}

const WRONG = { number: 7, null: null, array: ['x'], object: { a: 1 }, bool: true, empty: '' };

export function buildCorpus() {
  serial = 0;
  const cases = [];
  const add = (c) => cases.push(c);

  // ---- Valid legacy memberships, in the shapes clients send.
  add(single('legacy: js-sdk 43 multi_sfu', legacy(A, 'DEV1')));
  add(single('legacy: oldest_membership', legacy(A, 'DEV1', { focus_active: { type: 'livekit', focus_selection: 'oldest_membership' } })));
  add(single('legacy: created_ts on re-send', legacy(A, 'DEV1', { created_ts: NOW - 2 * HOUR })));
  add(single('legacy: membershipID', legacy(A, 'DEV1', { membershipID: 'custom-id' })));
  {
    const e = legacy(A, 'DEV1', { foci_preferred: undefined });
    add(single('legacy: no foci_preferred, multi_sfu', e, [
      { id: 'D5', path: ['sessions', 'm.call#ROOM'], jssdk: [{ event: e.event_id, transport: 'throws' }], ours: [{ event: e.event_id, transport: null }] },
    ]));
  }
  add(single('legacy: empty foci_preferred', legacy(A, 'DEV1', { foci_preferred: [] })));
  add(single('legacy: unknown focus_selection', legacy(A, 'DEV1', { focus_active: { type: 'livekit', focus_selection: 'nearest' } })));
  add(single('legacy: focus_active without selection', legacy(A, 'DEV1', { focus_active: { type: 'livekit' } })));
  add(single('legacy: scope m.user', legacy(A, 'DEV1', { scope: 'm.user' })));
  add(single('legacy: no scope, no intent', legacy(A, 'DEV1', { scope: undefined, 'm.call.intent': undefined })));
  add(single('legacy: other application, own call id', legacy(A, 'DEV1', { application: 'io.example.whiteboard', call_id: 'board1' })));
  add(single('legacy: m.call with named call id', legacy(A, 'DEV1', { call_id: 'standup' })));
  add(single('legacy: call_id ROOM explicitly', legacy(A, 'DEV1', { call_id: 'ROOM' })));
  add(single('legacy: extra application data', legacy(A, 'DEV1', { 'io.example.flag': { nested: [1, 2] } })));
  add(single('legacy: non-livekit focus type', legacy(A, 'DEV1', { foci_preferred: [{ type: 'full_mesh' }] })));
  add(single('legacy: state key without underscore (MSC3757 rooms)', legacy(A, 'DEV1', {}, { stateKey: `${A}_DEV1_m.call` })));
  add(single('legacy: unicode device id', legacy(A, 'Gerät\u2028😀', {})));
  add(single('legacy: membershipID not a string', legacy(A, 'DEV1', { membershipID: 42 })));

  // ---- Legacy validation rules, each broken with every wrong type.
  for (const [kind, value] of Object.entries(WRONG)) {
    if (kind !== 'empty') {
      add(single(`legacy: device_id ${kind}`, legacy(A, 'DEV1', { device_id: value })));
      add(single(`legacy: call_id ${kind}`, legacy(A, 'DEV1', { call_id: value })));
      add(single(`legacy: application ${kind}`, legacy(A, 'DEV1', { application: value })));
      add(single(`legacy: focus_active ${kind}`, legacy(A, 'DEV1', { focus_active: value })));
      add(single(`legacy: focus_active.type ${kind}`, legacy(A, 'DEV1', { focus_active: { type: value, focus_selection: 'multi_sfu' } })));
      add(single(`legacy: foci_preferred ${kind}`, legacy(A, 'DEV1', { foci_preferred: value })));
      add(single(`legacy: foci_preferred entry ${kind}`, legacy(A, 'DEV1', { foci_preferred: [transport('https://ok'), value] })));
      add(single(`legacy: foci_preferred entry type ${kind}`, legacy(A, 'DEV1', { foci_preferred: [{ type: value }] })));
      add(single(`legacy: scope ${kind}`, legacy(A, 'DEV1', { scope: value })));
      add(single(`legacy: m.call.intent ${kind}`, legacy(A, 'DEV1', { 'm.call.intent': value })));
      if (kind !== 'number') add(single(`legacy: created_ts ${kind}`, legacy(A, 'DEV1', { created_ts: value })));
    }
  }
  add(single('legacy: focus_active missing', legacy(A, 'DEV1', { focus_active: undefined })));
  add(single('legacy: everything wrong at once', legacy(A, 'DEV1', { device_id: 1, call_id: 2, application: 3, focus_active: undefined, foci_preferred: 4, created_ts: 'x', scope: 5, 'm.call.intent': 6 })));
  add(single('legacy: call id with #', legacy(A, 'DEV1', { call_id: 'a#b' })));
  add(single('legacy: application with #', legacy(A, 'DEV1', { application: 'm#call' })));

  // ---- Left and non-memberships (js-sdk's pre-filter).
  add(single('legacy: left {}', { ...legacy(A, 'DEV1'), content: {} }));
  add(single('legacy: delayed leave with reason', { ...legacy(A, 'DEV1'), content: { leave_reason: 'lost_connection' } }));
  add(single('legacy: only application', { ...legacy(A, 'DEV1'), content: { application: 'm.call' } }));
  add(single('legacy: no application key', { ...legacy(A, 'DEV1'), content: { call_id: '', device_id: 'DEV1', focus_active: { type: 'livekit' } } }));
  add(single('legacy: pre-2024 memberships array', { ...legacy(A, 'DEV1'), content: { memberships: [legacyContent('DEV1')] } }));
  add(single('legacy: content is an array', { ...legacy(A, 'DEV1'), content: [legacyContent('DEV1')] }));
  add(single('legacy: content is a number', { ...legacy(A, 'DEV1'), content: 12 }));
  {
    const e = { ...legacy(A, 'DEV1'), content: 'application' };
    add(single('legacy: content is a string', e, [
      { id: 'D10', path: ['sessions', 'm.call#ROOM'], jssdk: 'throws', ours: [] },
    ]));
  }

  // ---- Expiry.
  add(single('legacy: expired by default 4 h', legacy(A, 'DEV1', { expires: undefined }, { ts: NOW - 5 * HOUR })));
  add(single('legacy: expired via created_ts', legacy(A, 'DEV1', { created_ts: NOW - 5 * HOUR })));
  add(single('legacy: expires exactly now', legacy(A, 'DEV1', { created_ts: NOW - 1000, expires: 1000 })));
  add(single('legacy: expires 1 ms from now', legacy(A, 'DEV1', { created_ts: NOW - 1000, expires: 1001 })));
  add(single('legacy: expires 0', legacy(A, 'DEV1', { expires: 0 })));
  add(single('legacy: 50 h expiry (Element Call config)', legacy(A, 'DEV1', { expires: 50 * HOUR }, { ts: NOW - 20 * HOUR })));
  add(single('legacy: created_ts in the future', legacy(A, 'DEV1', { created_ts: NOW + HOUR })));
  for (const [label, value] of [['string', 'abc'], ['object', {}], ['numeric string', '5'], ['null', null], ['negative', -1], ['fraction', 1.5]]) {
    const e = legacy(A, 'DEV1', { expires: value }, { ts: NOW - 5 * HOUR });
    // js-sdk: "abc"/{} never expire, "5" concatenates to a huge number, null means 0, -1 is long past, 1.5 too.
    const jsValid = 'valid';
    add(single(`legacy: expires ${label}`, e, [
      { id: 'D3', path: ['validity'], jssdk: jsValid, ours: 'invalid' },
      { id: 'D3', path: ['reason'], jssdk: null, ours: 'expires must be a non-negative integer' },
      ...(['abc', '5'].includes(value) || (typeof value === 'object' && value !== null)
        ? [{ id: 'D3', path: ['sessions', 'm.call#ROOM'], jssdk: [{ event: e.event_id, transport: e.content.foci_preferred[0] }], ours: [] }]
        : []),
    ]));
  }
  for (const [label, value] of [['fraction', NOW - HOUR + 0.5], ['huge', 1e300], ['negative fraction', -0.5]]) {
    const e = legacy(A, 'DEV1', { created_ts: value });
    const inSession = label !== 'negative fraction';
    add(single(`legacy: created_ts ${label}`, e, [
      { id: 'D4', path: ['validity'], jssdk: 'valid', ours: 'invalid' },
      { id: 'D4', path: ['reason'], jssdk: null, ours: 'created_ts must be an integer' },
      ...(inSession ? [{ id: 'D4', path: ['sessions', 'm.call#ROOM'], jssdk: [{ event: e.event_id, transport: e.content.foci_preferred[0] }], ours: [] }] : []),
    ]));
  }

  // ---- Who may be a member.
  add(single('legacy: sender not joined', legacy('@stranger:example.org', 'DEV1')));
  add({ name: 'legacy: sender left the room', now: NOW, diffs: [], events: [...joined(), member('@gone:x', 'join'), member('@gone:x', 'leave'), legacy('@gone:x', 'D')] });
  add({ name: 'legacy: sender invited only', now: NOW, diffs: [], events: [...joined(), member('@inv:x', 'invite'), legacy('@inv:x', 'D')] });
  add(single('legacy: spoofed state key (other user, same device)', legacy(M, 'DEV1', {}, { stateKey: `_${A}_DEV1_m.call` })));
  add(single('legacy: spoofed device_id and membershipID', legacy(M, 'ALICEDEV', { membershipID: `${A}:ALICEDEV` })));
  add(single('legacy: huge foci_preferred', legacy(A, 'DEV1', { foci_preferred: Array.from({ length: 5000 }, (_, i) => transport(`https://lk${i}.example`)) })));
  add(single('legacy: huge foci_preferred with one bad entry', legacy(A, 'DEV1', { foci_preferred: [...Array.from({ length: 3000 }, () => transport('https://x')), 'bad'] })));
  {
    const a = legacy(A, 'DEV1', { created_ts: NOW - 3 * HOUR });
    const b = legacy(B, 'DEV2', { application: 'io.other', call_id: 'ROOM' });
    add({ name: 'legacy: application mismatch joins m.call#ROOM in js-sdk', now: NOW, events: [...joined(), a, b], diffs: [
      { id: 'D1', path: ['sessions', 'm.call#ROOM'], jssdk: [{ event: a.event_id, transport: a.content.foci_preferred[0] }, { event: b.event_id, transport: b.content.foci_preferred[0] }], ours: [{ event: a.event_id, transport: a.content.foci_preferred[0] }] },
      { id: 'D1', path: ['sessions', 'io.other#ROOM'], jssdk: [{ event: a.event_id, transport: a.content.foci_preferred[0] }, { event: b.event_id, transport: b.content.foci_preferred[0] }], ours: [{ event: b.event_id, transport: b.content.foci_preferred[0] }] },
    ] });
  }

  // ---- Duplicate state keys and duplicate devices.
  {
    const first = legacy(A, 'DEV1', { foci_preferred: [transport('https://old')] }, { ts: NOW - 2 * HOUR });
    const second = legacy(A, 'DEV1', { foci_preferred: [transport('https://new')] }, { ts: NOW - HOUR });
    add({ name: 'legacy: duplicate state key, last wins', now: NOW, diffs: [], events: [...joined(), first, second] });
    const left = { ...legacy(A, 'DEV1'), content: {} };
    add({ name: 'legacy: join then leave on one key', now: NOW, diffs: [], events: [...joined(), legacy(A, 'DEV1'), left] });
    add({ name: 'legacy: leave then join on one key', now: NOW, diffs: [], events: [...joined(), { ...left, event_id: nextId() }, legacy(A, 'DEV1')] });
    add({ name: 'legacy: same device under two state keys', now: NOW, diffs: [], events: [...joined(), legacy(A, 'DEV1'), legacy(A, 'DEV1', {}, { stateKey: `${A}_DEV1_m.call` })] });
  }

  // ---- Ordering: created_ts, ties in collection order.
  {
    const events = [...joined()];
    for (let i = 0; i < 6; i++) events.push(legacy([A, B, C][i % 3], `D${i}`, { created_ts: NOW - (i % 2 ? 2 : 3) * HOUR }, { ts: NOW - HOUR + i }));
    events.push(rtc(A, 'S1', 'mA', {}, { ts: NOW - 3 * HOUR }), rtc(B, 'S2', 'mB', {}, { ts: NOW - 2 * HOUR }));
    add({ name: 'order: ties between sticky and state members', now: NOW, diffs: [], events });
    const ev2 = [...joined()];
    ev2.push(legacy(A, 'K1', { created_ts: NOW - HOUR }), legacy(B, 'K2', { created_ts: NOW - HOUR }));
    ev2.push(legacy(A, 'K1', { created_ts: NOW - HOUR, 'm.call.intent': 'audio' }));  // re-sent: keeps its position
    ev2.push(legacy(C, 'K3', { created_ts: NOW - 2 * HOUR }));
    add({ name: 'order: overwritten state key keeps first position', now: NOW, diffs: [], events: ev2 });
  }

  // ---- Transport selection.
  {
    const a = legacy(A, 'DA', { created_ts: NOW - 3 * HOUR, foci_preferred: [transport('https://a')] });
    const b = legacy(B, 'DB', { created_ts: NOW - 2 * HOUR, focus_active: { type: 'livekit', focus_selection: 'oldest_membership' }, foci_preferred: [transport('https://b')] });
    const c = legacy(C, 'DC', { created_ts: NOW - HOUR, focus_active: { type: 'livekit', focus_selection: 'oldest_membership' }, foci_preferred: [transport('https://c')] });
    add({ name: 'transport: oldest multi_sfu, others oldest_membership', now: NOW, diffs: [], events: [...joined(), c, b, a] });
    const o = legacy(A, 'DA', { created_ts: NOW - 3 * HOUR, focus_active: { type: 'livekit', focus_selection: 'oldest_membership' }, foci_preferred: [transport('https://o1'), transport('https://o2')] });
    add({ name: 'transport: everyone oldest_membership', now: NOW, diffs: [], events: [...joined(), o, b, c] });
    const s = rtc(A, 'SA', 'mA', { transports: { published: [transport('https://sticky')], can_subscribe: ['livekit'] } }, { ts: NOW - 4 * HOUR + 1 });
    add({ name: 'transport: oldest is sticky', now: NOW, diffs: [], events: [...joined(), b, s, c] });
    const u = legacy(A, 'DA', { created_ts: NOW - 3 * HOUR, focus_active: { type: 'livekit', focus_selection: 'weird' } });
    add({ name: 'transport: oldest has unknown selection', now: NOW, diffs: [], events: [...joined(), u, b] });
    const e = legacy(A, 'DA', { created_ts: NOW - 3 * HOUR, focus_active: { type: 'livekit', focus_selection: 'oldest_membership' }, foci_preferred: [] });
    add({ name: 'transport: oldest publishes nothing', now: NOW, diffs: [], events: [...joined(), e, b] });
    const n = legacy(A, 'DA', { created_ts: NOW - 3 * HOUR, focus_active: { type: 'livekit', focus_selection: 'oldest_membership' }, foci_preferred: undefined });
    add({ name: 'transport: oldest without foci_preferred', now: NOW, events: [...joined(), n, b], diffs: [
      { id: 'D5', path: ['sessions', 'm.call#ROOM'], jssdk: [{ event: n.event_id, transport: 'throws' }, { event: b.event_id, transport: 'throws' }], ours: [{ event: n.event_id, transport: null }, { event: b.event_id, transport: null }] },
    ] });
    const p = rtc(A, 'SA', 'mP', { transports: { published: [], can_subscribe: [] } }, { ts: NOW - 5 * HOUR });
    add({ name: 'transport: sticky member publishes nothing', now: NOW, diffs: [], events: [...joined(), p, b] });
  }

  // ---- Gen 2 sticky memberships.
  add(single('rtc: js-sdk 43 join', rtc(A, 'SDEV', 'member-1')));
  add(single('rtc: with m.relates_to', rtc(A, 'SDEV', 'member-1', { 'm.relates_to': { rel_type: 'm.reference', event_id: '$first' } })));
  add(single('rtc: with inert m.relation', rtc(A, 'SDEV', 'member-1', { 'm.relation': { rel_type: 'm.reference', event_id: '$first' } })));
  add(single('rtc: both sticky keys equal', rtc(A, 'SDEV', 'member-1', { sticky_key: 'member-1' })));
  add(single('rtc: sticky key differs from member.id', rtc(A, 'SDEV', 'member-1', { msc4354_sticky_key: 'other' })));
  add(single('rtc: named slot', rtc(A, 'SDEV', 'member-1', { slot_id: 'm.call#standup' })));
  add(single('rtc: other application', rtc(A, 'SDEV', 'member-1', { slot_id: 'io.example.app#x', application: { type: 'io.example.app' } })));
  add(single('rtc: slot without id part', rtc(A, 'SDEV', 'member-1', { slot_id: 'm.call#' })));
  add(single('rtc: versions with strings', rtc(A, 'SDEV', 'member-1', { versions: ['v1', 'v2'] })));
  add(single('rtc: several published transports', rtc(A, 'SDEV', 'member-1', { transports: { published: [transport('https://1'), { type: 'other' }, transport('https://3')], can_subscribe: ['livekit', 'other'] } })));
  add(single('rtc: huge published list', rtc(A, 'SDEV', 'member-1', { transports: { published: Array.from({ length: 5000 }, (_, i) => transport(`https://s${i}`)), can_subscribe: [] } })));
  add(single('rtc: unanchored mxid pattern quirk', sticky('@x@a:b', rtcContent('@x@a:b', 'D', 'm'))));
  for (const [kind, value] of Object.entries(WRONG)) {
    add(single(`rtc: slot_id ${kind}`, rtc(A, 'SDEV', 'm1', { slot_id: value })));
    add(single(`rtc: member ${kind}`, rtc(A, 'SDEV', 'm1', { member: value })));
    add(single(`rtc: member.user_id ${kind}`, rtc(A, 'SDEV', 'm1', { member: { user_id: value, device_id: 'SDEV', id: 'm1' } })));
    add(single(`rtc: member.device_id ${kind}`, rtc(A, 'SDEV', 'm1', { member: { user_id: A, device_id: value, id: 'm1' } })));
    add(single(`rtc: member.id ${kind}`, rtc(A, 'SDEV', 'm1', { member: { user_id: A, device_id: 'SDEV', id: value } })));
    add(single(`rtc: application ${kind}`, rtc(A, 'SDEV', 'm1', { application: value })));
    add(single(`rtc: application.type ${kind}`, rtc(A, 'SDEV', 'm1', { application: { type: value } })));
    add(single(`rtc: transports ${kind}`, rtc(A, 'SDEV', 'm1', { transports: value })));
    add(single(`rtc: transports.published ${kind}`, rtc(A, 'SDEV', 'm1', { transports: { published: value, can_subscribe: [] } })));
    add(single(`rtc: published entry ${kind}`, rtc(A, 'SDEV', 'm1', { transports: { published: [value], can_subscribe: [] } })));
    add(single(`rtc: can_subscribe ${kind}`, rtc(A, 'SDEV', 'm1', { transports: { published: [], can_subscribe: value } })));
    add(single(`rtc: versions ${kind}`, rtc(A, 'SDEV', 'm1', { versions: value })));
    add(single(`rtc: m.relates_to ${kind}`, rtc(A, 'SDEV', 'm1', { 'm.relates_to': value })));
    add(single(`rtc: sticky_key ${kind}`, rtc(A, 'SDEV', 'm1', { sticky_key: value })));
  }
  add(single('rtc: spoofed member.user_id', rtc(M, 'SDEV', 'm1', { member: { user_id: A, device_id: 'SDEV', id: 'm1' } })));
  add(single('rtc: member.user_id not an mxid', sticky(A, rtcContent('alice', 'D', 'm'))));
  add(single('rtc: application.type with #', rtc(A, 'SDEV', 'm1', { application: { type: 'm#call' }, slot_id: 'm#call#ROOM' })));
  add(single('rtc: slot_id of another application', rtc(A, 'SDEV', 'm1', { slot_id: 'io.other#ROOM' })));
  add(single('rtc: slot_id with three parts', rtc(A, 'SDEV', 'm1', { slot_id: 'm.call#a#b' })));
  add(single('rtc: no sticky key at all', rtc(A, 'SDEV', 'm1', { msc4354_sticky_key: undefined })));
  add(single('rtc: relation with wrong rel_type', rtc(A, 'SDEV', 'm1', { 'm.relates_to': { rel_type: 'm.thread', event_id: '$x' } })));
  add(single('rtc: leave content', sticky(A, { slot_id: 'm.call#ROOM', msc4354_sticky_key: 'm1' })));
  add(single('rtc: sender not joined', rtc('@stranger:example.org', 'SDEV', 'm1')));

  // ---- The sticky map.
  {
    const older = rtc(A, 'SDEV', 'k1', { transports: { published: [transport('https://older')], can_subscribe: [] } }, { ts: NOW - 120_000 });
    const newer = rtc(A, 'SDEV', 'k1', { transports: { published: [transport('https://newer')], can_subscribe: [] } }, { ts: NOW - 60_000 });
    add({ name: 'sticky: later event wins regardless of arrival', now: NOW, diffs: [], events: [...joined(), newer, older] });
    const tieA = rtc(A, 'SDEV', 'k2', {}, { ts: NOW - 1000 });
    const tieB = { ...rtc(A, 'SDEV', 'k2', { versions: ['x'] }, { ts: NOW - 1000 }), event_id: '$zzz-tie' };
    add({ name: 'sticky: same ts, greater event id wins', now: NOW, diffs: [], events: [...joined(), tieB, tieA] });
    const leave = sticky(A, { slot_id: 'm.call#ROOM', msc4354_sticky_key: 'k3' }, { ts: NOW - 1000 });
    add({ name: 'sticky: leave replaces join', now: NOW, diffs: [], events: [...joined(), rtc(A, 'SDEV', 'k3', {}, { ts: NOW - 5000 }), leave] });
    add({ name: 'sticky: two members of one user', now: NOW, diffs: [], events: [...joined(), rtc(A, 'D1', 'k4'), rtc(A, 'D2', 'k5')] });
    add({ name: 'sticky: same key from two senders', now: NOW, diffs: [], events: [...joined(), rtc(A, 'D1', 'shared'), rtc(B, 'D2', 'shared')] });
    add(single('sticky: stickiness over', rtc(A, 'SDEV', 'k6', {}, { ts: NOW - 2 * HOUR })));
    add(single('sticky: duration capped at 1 h', rtc(A, 'SDEV', 'k7', {}, { ts: NOW - HOUR - 1000, duration: 10 * HOUR })));
    add(single('sticky: short duration still running', rtc(A, 'SDEV', 'k8', {}, { ts: NOW - 1000, duration: 5000 })));
    add(single('sticky: server TTL', rtc(A, 'SDEV', 'k9', {}, { ts: NOW - 2 * HOUR, extra: { unsigned: { msc4354_sticky_duration_ttl_ms: 60_000 } } })));
    add(single('sticky: no msc4354_sticky', { ...rtc(A, 'SDEV', 'k10'), msc4354_sticky: undefined }));
    add(single('sticky: zero duration', rtc(A, 'SDEV', 'k11', {}, { duration: 0 })));
    add(single('sticky: origin_server_ts in the future', rtc(A, 'SDEV', 'k12', {}, { ts: NOW + HOUR })));
    add(single('sticky: legacy type without state key', { ...legacy(A, 'DEV1'), state_key: undefined, msc4354_sticky: { duration_ms: HOUR } }));
    add(single('sticky: rtc type as a state event', { ...rtc(A, 'SDEV', 'k13'), state_key: 'k13' }));
    {
      const first = rtc(A, 'SDEV', 'plain', { msc4354_sticky_key: undefined, sticky_key: 'plain' }, { ts: NOW - 5000 });
      const second = rtc(A, 'SDEV', 'plain', { msc4354_sticky_key: undefined, sticky_key: 'plain', versions: ['2'] }, { ts: NOW - 1000 });
      add({ name: 'sticky: only sticky_key, two versions', now: NOW, events: [...joined(), first, second], diffs: [
        { id: 'D9', path: ['validity', first.event_id], jssdk: 'valid', ours: 'left' },  // ours: replaced by the later event
        { id: 'D9', path: ['sessions', 'm.call#ROOM'], jssdk: [{ event: first.event_id, transport: first.content.transports.published[0] }, { event: second.event_id, transport: second.content.transports.published[0] }], ours: [{ event: second.event_id, transport: second.content.transports.published[0] }] },
      ] });
    }
    {
      const e = { ...rtc(A, 'SDEV', 'stable-sticky'), msc4354_sticky: undefined, sticky: { duration_ms: HOUR } };
      add(single('sticky: stable sticky.duration_ms', e, [
        { id: 'D12', path: ['validity'], jssdk: undefined, ours: 'valid' },
        { id: 'D12', path: ['sessions', 'm.call#ROOM'], jssdk: [], ours: [{ event: e.event_id, transport: e.content.transports.published[0] }] },
      ]));
    }
  }

  // ---- De-duplication of state members that moved to sticky events.
  {
    const state = legacy(A, 'DEV1', {}, { stateKey: 'shared-key' });
    add({ name: 'dedupe: joined sticky hides state member', now: NOW, diffs: [], events: [...joined(), state, rtc(A, 'DEV1', 'shared-key')] });
    add({ name: 'dedupe: left sticky hides state member (quirk kept)', now: NOW, diffs: [], events: [...joined(), legacy(A, 'DEV1', {}, { stateKey: 'k-left' }), sticky(A, { slot_id: 'm.call#ROOM', msc4354_sticky_key: 'k-left' })] });
    add({ name: 'dedupe: different key keeps both', now: NOW, diffs: [], events: [...joined(), legacy(A, 'DEV1', {}, { stateKey: 'k-a' }), rtc(A, 'DEV1', 'k-b')] });
  }

  // ---- Slots.
  {
    const slot = (content, type = 'org.matrix.msc4143.rtc.slot', key = 'm.call#ROOM') =>
      ({ type, state_key: key, sender: A, content, origin_server_ts: NOW - 9 * HOUR, event_id: nextId() });
    const open = { status: 'open', application: { type: 'm.call' }, encryption: { type: 'org.matrix.msc4143.per_member' } };
    add({ name: 'slot: open slot', now: NOW, diffs: [], events: [...joined(), slot(open), rtc(A, 'D', 'k1')] });
    for (const [label, content] of [['closed', { ...open, status: 'closed' }], ['empty', {}], ['wrong application', { ...open, application: { type: 'io.other' } }], ['no status', { application: { type: 'm.call' } }]]) {
      add({ name: `slot: ${label} slot hides sticky members`, now: NOW, diffs: [], events: [...joined(), slot(content), rtc(A, 'D', 'k1')] });
    }
    const l = legacy(B, 'DB');
    add({ name: 'slot: closed slot and a legacy member', now: NOW, events: [...joined(), slot({}), l], diffs: [
      { id: 'D2', path: ['sessions', 'm.call#ROOM'], jssdk: [{ event: l.event_id, transport: l.content.foci_preferred[0] }], ours: [] },
    ] });
    add({ name: 'slot: closed then reopened', now: NOW, diffs: [], events: [...joined(), slot({}), slot(open), rtc(A, 'D', 'k1')] });
    add({ name: 'slot: closing another slot', now: NOW, diffs: [], events: [...joined(), slot({}, undefined, 'm.call#other'), rtc(A, 'D', 'k1')] });
    const s = rtc(A, 'D', 'k1');
    add({ name: 'slot: stable m.rtc.slot closed', now: NOW, events: [...joined(), slot({ status: 'closed' }, 'm.rtc.slot'), s], diffs: [
      { id: 'D11', path: ['sessions', 'm.call#ROOM'], jssdk: [{ event: s.event_id, transport: s.content.transports.published[0] }], ours: [] },
    ] });
  }

  // ---- Newer and older shapes js-sdk 43 does not read.
  {
    const e = rtc(A, 'SDEV', 'old', { transports: undefined, rtc_transports: [transport('https://rtc-transports')] });
    add(single('rtc: js-sdk <= 42 rtc_transports', e, [
      { id: 'D6', path: ['validity'], jssdk: 'invalid', ours: 'valid' },
      { id: 'D6', path: ['reason'], jssdk: 'transports.published must be an array; transports.can_subscribe must be an array of strings', ours: null },
      { id: 'D6', path: ['sessions', 'm.call#ROOM'], jssdk: [], ours: [{ event: e.event_id, transport: transport('https://rtc-transports') }] },
    ]));
    const g3 = sticky(A, {
      slot_id: 'm.call#ROOM', member: { id: 'g3member', membership: 'join' }, application: { type: 'm.call', intent: 'video' },
      transports: { published: [{ type: 'm.livekit', url: 'wss://sfu.example.org' }], can_subscribe: ['m.livekit'] }, sticky_key: 'g3member',
    });
    add(single('gen3: join', g3, [
      { id: 'D7', path: ['validity'], jssdk: 'invalid', ours: 'valid' },
      { id: 'D7', path: ['reason'], jssdk: 'member.user_id must be string; member.device_id must be string; versions must be an array', ours: null },
      { id: 'D7', path: ['sessions', 'm.call#ROOM'], jssdk: [], ours: [{ event: g3.event_id, transport: { type: 'm.livekit', url: 'wss://sfu.example.org' } }] },
    ]));
    add(single('gen3: leave with reason', sticky(A, { slot_id: 'm.call#ROOM', member: { id: 'g3m', membership: 'leave' }, leave_reason: { code: 'transport_error', reason: 'SFU unreachable' }, sticky_key: 'g3m' })));
    const g3bad = sticky(A, { slot_id: 'm.call#ROOM', member: { id: 'g3x', membership: 'join' }, application: { type: 'm.call' }, transports: { published: [] }, sticky_key: 'other' });
    add(single('gen3: sticky key must equal member.id', g3bad, [
      { id: 'D7', path: ['reason'], jssdk: 'member.user_id must be string; member.device_id must be string; transports.can_subscribe must be an array of strings; versions must be an array', ours: 'sticky_key must equal member.id' },
    ]));
    const sl = { ...legacy(A, 'DEV1'), type: 'm.call.member' };
    add(single('legacy: stable m.call.member type', sl, [
      { id: 'D13', path: ['validity'], jssdk: undefined, ours: 'valid' },
      { id: 'D13', path: ['sessions', 'm.call#ROOM'], jssdk: [], ours: [{ event: sl.event_id, transport: sl.content.foci_preferred[0] }] },
    ]));
    const st = rtc(A, 'SDEV', 'stable', {}, { type: 'm.rtc.member' });
    add(single('rtc: stable m.rtc.member type', st, [
      { id: 'D8', path: ['validity'], jssdk: undefined, ours: 'valid' },
      { id: 'D8', path: ['sessions', 'm.call#ROOM'], jssdk: [], ours: [{ event: st.event_id, transport: st.content.transports.published[0] }] },
    ]));
  }

  // ---- A busy mixed room.
  {
    const events = [...joined()];
    for (let i = 0; i < 40; i++) {
      const user = `@u${i}:example.org`;
      events.push(member(user));
      if (i % 4 === 0) events.push(legacy(user, `L${i}`, { created_ts: NOW - HOUR - (i % 7) * 1000, focus_active: { type: 'livekit', focus_selection: i % 8 ? 'oldest_membership' : 'multi_sfu' }, foci_preferred: [transport(`https://lk${i % 3}`)] }));
      else if (i % 4 === 1) events.push(rtc(user, `S${i}`, `mem${i}`, { transports: { published: [transport(`https://sfu${i % 5}`)], can_subscribe: ['livekit'] } }, { ts: NOW - HOUR - (i % 5) * 1000 }));
      else if (i % 4 === 2) events.push(legacy(user, `L${i}`, { call_id: i % 3 ? 'side' : '', created_ts: NOW - HOUR - (i % 7) * 1000 }));
      else events.push(rtc(user, `S${i}`, `mem${i}`, { slot_id: i % 3 ? 'm.call#side' : 'm.call#ROOM' }, { ts: NOW - HOUR - (i % 7) * 1000 }));
    }
    add({ name: 'mixed room with 40 members in two slots', now: NOW, diffs: [], events });
  }
  return cases;
}
