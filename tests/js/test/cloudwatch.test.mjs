// CloudWatch through @aws-sdk/client-cloudwatch: the AWS/Lambda metrics of
// a function after invokes, errors and throttles. The client (3.967.0, and
// 3.1164.0 too) speaks JSON 1.0 in its awsQuery-compatible form:
// X-Amz-Target GraniteServiceVersion20100801.*, x-amzn-query-mode: true,
// error codes read from x-amzn-query-error.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  LambdaClient, CreateFunctionCommand, InvokeCommand, PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import {
  CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand, GetMetricDataCommand,
  InvalidParameterValueException,
} from '@aws-sdk/client-cloudwatch';
import { Sluice, makeZip, rejection, ROLE } from '../harness.mjs';

const HANDLER = `
def handler(event, context):
    if event.get("fail"):
        raise RuntimeError("boom")
    return "ok"
`;

describe('CloudWatch metrics of a function', () => {
  const sluice = new Sluice();
  let lam;
  let cw;
  let start;
  let end;
  const dims = [{ Name: 'FunctionName', Value: 'metered' }];

  before(async () => {
    await sluice.start();
    lam = new LambdaClient(sluice.config());
    cw = new CloudWatchClient(sluice.config());
    await lam.send(new CreateFunctionCommand({
      FunctionName: 'metered', Runtime: 'python3.12', Role: ROLE, Handler: 'index.handler',
      Code: { ZipFile: makeZip({ 'index.py': HANDLER }) },
    }));
    const payload = (o) => new TextEncoder().encode(JSON.stringify(o));
    for (let i = 0; i < 3; i++) {
      const r = await lam.send(new InvokeCommand({ FunctionName: 'metered', Payload: payload({}) }));
      assert.equal(r.FunctionError, undefined);
    }
    const bad = await lam.send(new InvokeCommand({ FunctionName: 'metered', Payload: payload({ fail: true }) }));
    assert.equal(bad.FunctionError, 'Unhandled');
    await lam.send(new PutFunctionConcurrencyCommand({ FunctionName: 'metered', ReservedConcurrentExecutions: 0 }));
    for (let i = 0; i < 2; i++) {
      const err = await rejection(() => lam.send(new InvokeCommand({ FunctionName: 'metered', Payload: payload({}) })));
      assert.equal(err.name, 'TooManyRequestsException');
    }
    // The metrics use sluice's virtual clock: ask around its "now".
    const clock = (await sluice.http('GET', '/_sluice/clock')).json();
    start = new Date(clock.now_ms - 10 * 60 * 1000);
    end = new Date(clock.now_ms + 2 * 60 * 1000);
  });
  after(async () => {
    lam?.destroy();
    cw?.destroy();
    await sluice.stop();
  });

  const sum = async (MetricName) => {
    const r = await cw.send(new GetMetricStatisticsCommand({
      Namespace: 'AWS/Lambda', MetricName, Dimensions: dims, StartTime: start, EndTime: end,
      Period: 60, Statistics: ['Sum'],
    }));
    assert.equal(r.Label, MetricName);
    for (const d of r.Datapoints) {
      assert.equal(d.Unit, 'Count');
      assert.ok(d.Timestamp instanceof Date);
      assert.equal(d.Timestamp.getTime() % 60000, 0, 'one-minute periods');
    }
    return r.Datapoints.reduce((s, d) => s + d.Sum, 0);
  };

  it('GetMetricStatistics: Invocations, Errors and Throttles (AWS/Lambda, Period 60, Sum)', async () => {
    assert.equal(await sum('Invocations'), 4);
    assert.equal(await sum('Errors'), 1);
    assert.equal(await sum('Throttles'), 2);
  });

  it('ListMetrics', async () => {
    const r = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/Lambda', Dimensions: dims }));
    const names = [...new Set(r.Metrics.map((m) => m.MetricName))].sort();
    assert.deepEqual(names, ['ConcurrentExecutions', 'Duration', 'Errors', 'Invocations', 'Throttles']);
    for (const m of r.Metrics) {
      assert.equal(m.Namespace, 'AWS/Lambda');
      assert.deepEqual(m.Dimensions, dims);
    }
    const inv = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/Lambda', MetricName: 'Throttles' }));
    const sets = inv.Metrics.map((m) => JSON.stringify(m.Dimensions)).sort();
    assert.deepEqual(sets, [JSON.stringify([]), JSON.stringify(dims)].sort());
  });

  it('GetMetricData with MetricStat queries', async () => {
    const q = (Id, MetricName) => ({
      Id, MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName, Dimensions: dims }, Period: 60, Stat: 'Sum' },
    });
    const r = await cw.send(new GetMetricDataCommand({
      StartTime: start, EndTime: end, ScanBy: 'TimestampAscending',
      MetricDataQueries: [q('inv', 'Invocations'), q('thr', 'Throttles'), { ...q('err', 'Errors'), Label: 'errors' }],
    }));
    assert.equal(r.NextToken, undefined);
    assert.deepEqual(r.Messages, []);
    assert.deepEqual(r.MetricDataResults.map((m) => [m.Id, m.Label, m.StatusCode]),
      [['inv', 'Invocations', 'Complete'], ['thr', 'Throttles', 'Complete'], ['err', 'errors', 'Complete']]);
    const total = (m) => m.Values.reduce((s, v) => s + v, 0);
    assert.deepEqual(r.MetricDataResults.map(total), [4, 2, 1]);
    for (const m of r.MetricDataResults) {
      assert.equal(m.Timestamps.length, m.Values.length);
      const t = m.Timestamps.map((d) => d.getTime());
      assert.deepEqual(t, [...t].sort((a, b) => a - b), 'TimestampAscending');
    }
  });

  it('errors come back typed (awsQuery-compatible codes)', async () => {
    const err = await rejection(() => cw.send(new GetMetricStatisticsCommand({
      Namespace: 'AWS/Lambda', MetricName: 'Invocations', StartTime: start, EndTime: end,
      Period: 7, Statistics: ['Sum'],
    })));
    assert.ok(err instanceof InvalidParameterValueException, `got ${err}`);
    assert.equal(err.name, 'InvalidParameterValueException');
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.message, 'The parameter Period must be a multiple of 60.');
    assert.equal(err.Code, 'InvalidParameterValue');
    assert.equal(err.Type, 'Sender');
  });
});
