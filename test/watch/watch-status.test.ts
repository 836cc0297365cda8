// What netpol_exporter_watch_up and netpol_exporter_cache_stale_seconds read from: up only while data keeps coming.
import { expect } from 'chai';
import { WatchStatus } from '../../src/watch/watch-status.ts';

describe('WatchStatus', () => {
  let time = 1_000_000;
  const now = () => time;
  beforeEach(() => {
    time = 1_000_000;
  });

  it('is down and counts staleness from the start until data arrives', () => {
    const status = new WatchStatus('namespaces', now);
    time += 5000;
    expect(status.up).to.equal(false);
    expect(status.staleSeconds()).to.equal(5);
  });

  it('is up after data, and down once the stall timeout passes without more', () => {
    const status = new WatchStatus('namespaces', now);
    status.markUp(90_000);
    expect(status.up).to.equal(true);
    expect(status.staleSeconds()).to.equal(0);
    time += 60_000;
    status.markUp(90_000);
    time += 89_000;
    expect(status.up, 'data 89 s ago is within the stall timeout').to.equal(true);
    time += 11_000;
    expect(status.up, 'data 100 s ago is not').to.equal(false);
    expect(status.staleSeconds(), 'stale since the stall timeout passed').to.equal(10);
  });

  it('goes down at once on a failure and says since when', () => {
    const status = new WatchStatus('namespaces', now);
    status.markUp(90_000);
    time += 1000;
    status.markDown('fetch failed');
    expect(status.up).to.equal(false);
    expect(status.lastError).to.equal('fetch failed');
    time += 3000;
    expect(status.staleSeconds()).to.equal(3);
    status.markUp(90_000);
    expect(status.up).to.equal(true);
    expect(status.lastError).to.equal(undefined);
  });
});
