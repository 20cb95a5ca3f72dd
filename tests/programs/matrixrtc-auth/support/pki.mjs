// A certificate authority made at test time with the openssl command, and
// leaf certificates it signs for chosen DNS names and IP addresses.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const openssl = (args, cwd) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

export class TestCa {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'matrixrtc-ca-'));
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', '/CN=matrixrtc test CA', '-keyout', 'ca.key', '-out', 'ca.pem'], this.dir);
    this.caFile = join(this.dir, 'ca.pem');
    this.caPem = readFileSync(this.caFile, 'utf8');
    this.serial = 1;
  }

  /** Returns {key, cert} PEM strings for the given names ("DNS:x" or "IP:1.2.3.4"). */
  issue(subjectAltNames) {
    const name = `leaf${this.serial++}`;
    writeFileSync(join(this.dir, `${name}.ext`),
      `subjectAltName=${subjectAltNames.join(',')}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`,
      '-keyout', `${name}.key`, '-out', `${name}.csr`], this.dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`], this.dir);
    return { key: readFileSync(join(this.dir, `${name}.key`)), cert: readFileSync(join(this.dir, `${name}.pem`)) };
  }
}
