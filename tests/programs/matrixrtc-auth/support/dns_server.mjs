// A tiny authoritative DNS responder on UDP for the names a test scripts:
// A, AAAA and SRV records; NXDOMAIN for everything else. Enough for
// c-ares to resolve test homeservers without touching the machine's DNS.
// A name can also answer differently on successive queries (sequence(), for
// DNS rebinding), and every query is recorded with the answers it got.
import dgram from 'node:dgram';
import { isIPv4 } from 'node:net';

const TYPES = { A: 1, AAAA: 28, SRV: 33 };

function encodeName(name) {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p)])), Buffer.from([0])]);
}

function readName(buffer, offset) {
  const labels = [];
  while (buffer[offset] !== 0) {
    const length = buffer[offset];
    labels.push(buffer.subarray(offset + 1, offset + 1 + length).toString());
    offset += length + 1;
  }
  return { name: labels.join('.').toLowerCase(), end: offset + 1 };
}

function rdata(type, value) {
  if (type === TYPES.A) return Buffer.from(value.split('.').map(Number));
  if (type === TYPES.AAAA) {
    const out = Buffer.alloc(16);
    const [head, tail = ''] = value.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
    return out;
  }
  const { priority = 10, weight = 5, port, target } = value;  // SRV
  const head = Buffer.alloc(6);
  head.writeUInt16BE(priority, 0);
  head.writeUInt16BE(weight, 2);
  head.writeUInt16BE(port, 4);
  return Buffer.concat([head, encodeName(target)]);
}

export class TestDnsServer {
  constructor() {
    this.records = new Map();  // "name|type" -> [values]
    this.sequences = new Map();  // "name|type" -> [[values], …]: one per query, the last one repeats
    this.queries = [];         // {name, type, answers}
  }
  /**
   * Successive queries for (name, type) get successive answer lists, e.g.
   * sequence('evil.test', 'A', [[], ['127.0.0.1']]): no A record at first,
   * then 127.0.0.1 for every later query.
   */
  sequence(name, type, answers) {
    this.sequences.set(`${name.toLowerCase()}|${TYPES[type]}`, answers.map((a) => [...a]));
  }
  /** The answers served for (name, type), query by query. */
  answered(name, type) {
    return this.queries.filter((q) => q.name === name.toLowerCase() && q.type === TYPES[type]).map((q) => q.answers);
  }
  add(name, type, value) {
    const key = `${name.toLowerCase()}|${TYPES[type]}`;
    this.records.set(key, [...(this.records.get(key) ?? []), value]);
  }
  async start() {
    this.socket = dgram.createSocket('udp4');
    this.socket.on('message', (message, remote) => this.#answer(message, remote));
    await new Promise((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.address = `127.0.0.1:${this.socket.address().port}`;
    return this;
  }
  stop() { this.socket?.close(); }

  #answer(query, remote) {
    if (query.length < 12) return;
    const { name, end } = readName(query, 12);
    const type = query.readUInt16BE(end);
    const sequence = this.sequences.get(`${name}|${type}`);
    const values = sequence ? (sequence.length > 1 ? sequence.shift() : sequence[0])
      : (this.records.get(`${name}|${type}`) ?? []);
    this.queries.push({ name, type, answers: values });
    const known = [...this.records.keys(), ...this.sequences.keys()].some((k) => k.startsWith(`${name}|`));
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);               // id
    header.writeUInt16BE(0x8400 | (known ? 0 : 3), 2);            // response, authoritative, NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);                                   // one question
    header.writeUInt16BE(values.length, 6);
    const question = query.subarray(12, end + 4);
    const answers = values.map((value) => {
      const data = rdata(type, value);
      const fixed = Buffer.alloc(10);
      fixed.writeUInt16BE(type, 0);
      fixed.writeUInt16BE(1, 2);        // IN
      fixed.writeUInt32BE(60, 4);       // TTL
      fixed.writeUInt16BE(data.length, 8);
      return Buffer.concat([Buffer.from([0xc0, 0x0c]), fixed, data]);
    });
    this.socket.send(Buffer.concat([header, question, ...answers]), remote.port, remote.address);
  }
}

export { isIPv4 };
