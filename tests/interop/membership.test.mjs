// Cross-implementation test: every room of the membership corpus goes through
// our `matrixrtc sessions` and through matrix-js-sdk 43's CallMembership,
// sticky-event store and MatrixRTCSession.sessionMembershipsForSlot. Both must
// agree on each membership's validity (and the reasons for rejecting it), on
// the session members per slot, their order and each member's selected
// transport, except for the deliberate disagreements the corpus declares
// (docs/membership-disagreements.md), which are asserted, not skipped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { matrixrtc } from './cli.mjs';
import { buildCorpus } from './membership-corpus.mjs';

const { logger } = await import('matrix-js-sdk/lib/logger.js');
logger.setLevel?.('silent');
for (const k of ['log', 'info', 'debug', 'warn', 'error', 'trace']) console[k] = () => {};
const { MatrixEvent } = await import('matrix-js-sdk/lib/models/event.js');
const { RoomStickyEventsStore } = await import('matrix-js-sdk/lib/models/room-sticky-events.js');
const { CallMembership, MatrixRTCSession } = await import('matrix-js-sdk/lib/matrixrtc/index.js');
const { isLeftMembershipContent } = await import('matrix-js-sdk/lib/matrixrtc/membershipData/index.js');
const { slotIdToDescription } = await import('matrix-js-sdk/lib/matrixrtc/utils.js');

const LEGACY = 'org.matrix.msc3401.call.member';
const RTC = 'org.matrix.msc4143.rtc.member';
const cases = buildCorpus();

const reasonOf = (error) => (error?.errors ?? [String(error?.message ?? error)]).map((e) => String(e).replace(/^ - /, '')).join('; ');

// js-sdk's quickFilterNonRelevantContents (not exported), on top of its exported isLeftMembershipContent.
function passesPreFilter(content) {
  if (isLeftMembershipContent(content)) return false;
  return Object.keys(content).filter((k) => k !== 'msc4354_sticky_key').length > 1 && 'application' in content;
}

async function jsSdkView(room) {
  const realNow = Date.now;
  Date.now = () => room.now;
  const store = new RoomStickyEventsStore();
  try {
    const state = new Map();
    const stickyEvents = [];
    for (const raw of room.events) {
      const event = new MatrixEvent(structuredClone(raw));
      if (raw.state_key !== undefined) {
        if (!state.has(raw.type)) state.set(raw.type, new Map());
        state.get(raw.type).set(raw.state_key, event);
      } else {
        stickyEvents.push(event);
      }
    }
    store.addStickyEvents(stickyEvents);
    const fakeRoom = {
      roomId: '!room:example.org',
      hasMembershipState: (user, membership) => state.get('m.room.member')?.get(user)?.getContent().membership === membership,
      _unstable_getStickyEvents: () => store.getStickyEvents(),
      getLiveTimeline: () => ({
        getState: () => ({
          getStateEvents: (type, key) => (key === undefined ? [...(state.get(type)?.values() ?? [])] : (state.get(type)?.get(key) ?? null)),
        }),
      }),
    };
    const current = [...[...store.getStickyEvents()].filter((e) => e.getType() === RTC), ...(state.get(LEGACY)?.values() ?? [])];
    const view = { validity: {}, reason: {}, sessions: {} };
    const slots = new Set(['m.call#ROOM']);
    for (const event of current) {
      const id = event.getId();
      let content = event.getContent();
      try {
        if (!passesPreFilter(content)) { view.validity[id] = 'left'; continue; }
      } catch {
        view.validity[id] = 'left';  // js-sdk crashes on this content; our side calls it left
        continue;
      }
      try {
        const membership = await CallMembership.parseFromEvent(event);
        let description;
        try {
          description = membership.slotDescription;
        } catch (error) {
          // js-sdk drops such a membership from every session when it computes
          // its slot; the message gets the prefix js-sdk uses for the same
          // error in sticky memberships.
          throw new Error(`slot_id was badly formed: ${error.message}`);
        }
        slots.add(`${description.application}#${description.id}`);
        view.validity[id] = 'valid';
      } catch (error) {
        view.validity[id] = 'invalid';
        view.reason[id] = reasonOf(error);
      }
    }
    return { view, slots, fakeRoom, store };
  } finally {
    Date.now = realNow;
  }
}

async function jsSdkSession(room, fakeRoom, slotId) {
  const realNow = Date.now;
  Date.now = () => room.now;
  try {
    const memberships = await MatrixRTCSession.sessionMembershipsForSlot(fakeRoom, slotIdToDescription(slotId));
    return memberships.map((m) => {
      let transport;
      try { transport = m.getTransport(memberships[0]) ?? null; } catch { transport = 'throws'; }
      return { event: m.eventId, transport };
    });
  } catch {
    return 'throws';
  } finally {
    Date.now = realNow;
  }
}

const VALID_CODES = new Set(['expired', 'not_joined', 'slot_closed', 'hidden_by_sticky']);

function ourView(output, currentIds) {
  const view = { validity: {}, reason: {}, sessions: {} };
  for (const id of currentIds) view.validity[id] = 'left';
  for (const session of output.sessions) {
    view.sessions[session.slot_id] = session.members.map((m) => ({ event: m.event_id, transport: m.selected_transport }));
    for (const m of session.members) view.validity[m.event_id] = 'valid';
  }
  for (const r of output.rejected) {
    if (r.code === 'invalid') {
      view.validity[r.event_id] = 'invalid';
      view.reason[r.event_id] = r.reason;
    } else if (VALID_CODES.has(r.code)) {
      view.validity[r.event_id] = 'valid';
    }
  }
  return view;
}

function setPath(object, path, value) {
  let node = object;
  for (const key of path.slice(0, -1)) node = node[key] ??= {};
  if (value === undefined || value === null) delete node[path.at(-1)];
  else node[path.at(-1)] = value;
}
const getPath = (object, path) => path.reduce((node, key) => node?.[key], object);
const absentAsUndefined = (v) => (v === null || (Array.isArray(v) && !v.length) ? undefined : v);

const stats = { rooms: 0, events: 0, agreedRooms: 0, declared: 0 };

test('the corpus is big enough and covers every disagreement', () => {
  const events = cases.flatMap((c) => c.events.filter((e) => e.type === LEGACY || e.type.endsWith('rtc.member')));
  assert.ok(events.length >= 200, `only ${events.length} membership events`);
  const documented = readFileSync(new URL('../../docs/membership-disagreements.md', import.meta.url), 'utf8');
  for (const id of new Set(cases.flatMap((c) => c.diffs.map((d) => d.id)))) {
    assert.match(documented, new RegExp(`\\b${id}\\b`), `${id} is not documented`);
  }
});

test('matrixrtc sessions agrees with matrix-js-sdk 43 on every room of the corpus', async (t) => {
  for (const room of cases) {
    await t.test(room.name, async () => {
      const result = matrixrtc(['sessions', '--now', String(room.now)], { input: JSON.stringify(room.events) });
      assert.equal(result.status, 0, result.stderr);
      const output = JSON.parse(result.stdout);
      const { view: js, slots, fakeRoom, store } = await jsSdkView(room);
      const ours = ourView(output, Object.keys(js.validity));
      for (const session of output.sessions) slots.add(session.slot_id);
      for (const slot of slots) {
        const members = await jsSdkSession(room, fakeRoom, slot);
        if (members === 'throws' || members.length) js.sessions[slot] = members;
      }
      store.clear();  // stops its expiry timer
      for (const diff of room.diffs) {
        const path = diff.path.length === 1 ? [diff.path[0], diff.event] : diff.path;
        assert.deepEqual(absentAsUndefined(getPath(js, path)), absentAsUndefined(diff.jssdk), `${diff.id}: js-sdk side of ${path.join('/')}`);
        assert.deepEqual(absentAsUndefined(getPath(ours, path)), absentAsUndefined(diff.ours), `${diff.id}: our side of ${path.join('/')}`);
        setPath(js, path, diff.ours);
        stats.declared++;
      }
      for (const [slot, members] of Object.entries(ours.sessions)) if (!members.length) delete ours.sessions[slot];
      for (const [slot, members] of Object.entries(js.sessions)) if (Array.isArray(members) && !members.length) delete js.sessions[slot];
      assert.deepEqual(ours, js);
      stats.rooms++;
      stats.events += room.events.length;
      if (!room.diffs.length) stats.agreedRooms++;
    });
  }
  process.stdout.write(`# ${stats.rooms} rooms, ${stats.events} events: ${stats.agreedRooms} rooms agree outright, ${stats.declared} declared differences asserted\n`);
});
