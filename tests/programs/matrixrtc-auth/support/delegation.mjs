// Shared pieces of the delegation scenarios: names as the service derives
// them (lk-jwt-service §4), request bodies, and the shape of a stored job.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

export const KEY = 'APIKEY';
export const SECRET = 'blackbox-secret-of-decent-length';
export const DEVICE = 'DEVICE123';
export const JOBS_KEY = 'lk-jwt:jobs';

/** Unpadded standard base64 of SHA-256 over the compact JSON array. */
export const hashOf = (parts) => createHash('sha256').update(JSON.stringify(parts)).digest('base64').replace(/=+$/, '');

let serial = 0;

/**
 * A fresh member of a fresh call: its request body for /delegate_delayed_leave
 * and the LiveKit room and identities the service will look for.
 */
export function newCase({ server, user, token = 'alice-token', delayTimeout, delayId, roomId, memberId } = {}) {
  const n = ++serial;
  const c = {
    server,
    user,
    roomId: roomId ?? `!deleg${n}-${process.pid}:example.com`,
    slotId: 'm.call#ROOM',
    memberId: memberId ?? `member${n}`,
    delayId: delayId ?? `delay-${n}-${process.pid}-${Date.now()}`,
    delayTimeout,
  };
  c.room = hashOf([c.roomId, c.slotId]);
  c.identity = hashOf([user, DEVICE, c.memberId]);
  c.legacyIdentity = `${user}:${DEVICE}`;  // what a /sfu/get client connects as (element-call #4209)
  c.body = (extra = {}) => ({
    room_id: c.roomId, slot_id: c.slotId,
    openid_token: { access_token: token, token_type: 'Bearer', matrix_server_name: server, expires_in: 3600 },
    member: { id: c.memberId, claimed_user_id: user, claimed_device_id: DEVICE },
    delay_id: c.delayId, delay_timeout: c.delayTimeout,
    ...extra,
  });
  return c;
}

export async function expectError(response, status, errcode, error) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
  const body = await response.json();
  assert.deepEqual(body, { errcode, error });
}

/** The hash field of a job: the JSON array ["<room>","<identity>"]. */
export const jobField = (room, identity) => JSON.stringify([room, identity]);

/** A stored job value exactly as lk-jwt-service (Go) writes it. */
export function goJobValue({ delayId, delayTimeoutMs, server, room, identity, restartedAt }) {
  return `{"Params":{"DelayId":${JSON.stringify(delayId)},"DelayTimeout":${delayTimeoutMs * 1e6},`
    + `"ServerName":${JSON.stringify(server)},"LiveKitRoom":${JSON.stringify(room)},`
    + `"LiveKitIdentity":${JSON.stringify(identity)}},"RestartedAt":${JSON.stringify(restartedAt)}}`;
}

/**
 * A time as Go's time.Time marshals it (RFC 3339 with nanoseconds, trailing
 * zeros trimmed) in a zone east of UTC, e.g. 2026-07-01T13:00:00.123456789+01:00.
 */
export function goTime(unixMs, offsetMinutes = 60) {
  const local = new Date(unixMs + offsetMinutes * 60000).toISOString();  // …T13:00:00.123Z
  const fraction = `${local.slice(20, 23)}456789`;
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local.slice(0, 19)}.${fraction}${zone}`;
}
