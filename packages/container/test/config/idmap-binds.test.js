// Id-mapped binds (the runtime-spec's idmap and ridmap mount options, as runc 1.2 takes them): a host directory
// owned by 0:0 bound with idmap shows inside as owned by the container's root, which writes in it, while the same
// directory bound plainly shows as unmapped (nobody) and cannot be written; ridmap maps the mounts below the source
// too; destroy unmounts what start mounted. Misuse (idmap on a tmpfs, without a user namespace) is refused naming
// the mount, before anything is made.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ociConfig } from '../../dist/config/oci-spec.js';
import { skipReason } from '../fixtures/rootfs.js';
import { containerSuite } from '../fixtures/suite.js';
import { mountinfo, output, PIPE, unwrap } from '../fixtures/helpers.js';

const MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];
const NS = [{ type: 'mnt' }, { type: 'pid' }, { type: 'user' }];

describe('id-mapped binds (idmap, ridmap)', { skip: skipReason() }, () => {
  const suite = containerSuite('idb');
  let data;
  before(() => {
    // 0711 down to it, so that the container's root (100000 outside) reaches it; the directory itself 0755 0:0.
    data = mkdtempSync(join(tmpdir(), 'linuxns-idmap-bind-'));
    execFileSync('chmod', ['0755', data]);
    writeFileSync(join(data, 'f'), 'x');
    mkdirSync(join(data, 'sub'));
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(data, 'sub')]);
    writeFileSync(join(data, 'sub', 'g'), 'y');
  });
  after(() => {
    execFileSync('umount', [join(data, 'sub')]);
    rmSync(data, { recursive: true, force: true });
  });
  const left = () => mountinfo().split('\n').filter((l) => l.includes('/run/linuxns-container/') && l.includes('.mounts/'));

  test('idmap: owned by the container\'s root inside and writable; a plain bind of the same directory is nobody\'s; ridmap maps the submount too; destroy unmounts', async () => {
    const c = unwrap(suite.factory.create(suite.id(), {
      rootfs: { path: suite.fs.root, idmap: true },
      namespaces: NS,
      uidMappings: MAP,
      gidMappings: MAP,
      mounts: [
        { destination: '/mapped', type: 'bind', source: data, options: ['bind', 'idmap'] },
        // rbind: in a user namespace the kernel refuses a bind that would uncover what a submount hides (EINVAL).
        { destination: '/plain', type: 'bind', source: data, options: ['rbind'] },
        { destination: '/deep', type: 'bind', source: data, options: ['rbind', 'ridmap'] },
      ],
    }));
    const script = 'stat -c %u:%g /mapped/f /plain/f /deep/sub/g; touch /mapped/new && echo wrote; touch /plain/new2 2>/dev/null || echo refused';
    const r = await output(c.start({ args: ['sh', '-c', script] }, PIPE));
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.out.split('\n'), ['0:0', '65534:65534', '0:0', 'wrote', 'refused']);
    assert.equal(statSync(join(data, 'new')).uid, 0, 'written through the id-mapped bind: 0 on disk, the id it had inside');
    assert.equal(left().length, 3, `the id-mapped sources are mounted while the container exists: idmap's alone, ridmap's with its submount: ${left()}`);
    unwrap(await c.destroy());
    assert.deepEqual(left(), [], 'unmounted');
    rmSync(join(data, 'new'));
  });

  test('refused before anything is made: idmap on a tmpfs, idmap without a user namespace (also from config.json)', () => {
    const base = { rootfs: { path: suite.fs.root }, uidMappings: MAP, gidMappings: MAP };
    for (const [config, field] of [
      [{ ...base, namespaces: NS, mounts: [{ destination: '/t', type: 'tmpfs', options: ['idmap'] }] }, 'mounts[0].options'],
      [{ rootfs: { path: suite.fs.root }, namespaces: [{ type: 'mnt' }], mounts: [{ destination: '/m', type: 'bind', source: data, options: ['bind', 'ridmap'] }] }, 'mounts[0].options'],
    ]) {
      const id = suite.id();
      const r = suite.factory.create(id, config);
      assert.equal(r.isErr() && r.error.field, field, r.isErr() ? r.error.message : 'taken');
      assert.equal(existsSync(join(suite.factory.root, id)), false);
    }
    const spec = { ociVersion: '1.0.2', root: { path: suite.fs.root }, mounts: [{ destination: '/m', type: 'bind', source: data, options: ['rbind', 'idmap'] }], linux: { namespaces: [{ type: 'mount' }] } };
    const r = ociConfig(spec, suite.dir);
    assert.equal(r.isErr() && r.error.field, 'mounts[0].options', r.isErr() ? r.error.message : 'taken');
    assert.match(r.error.message, /new user namespace/);
  });
});
