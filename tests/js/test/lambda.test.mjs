// Lambda through @aws-sdk/client-lambda: the control plane, Invoke,
// versions, aliases, reserved and provisioned concurrency, throttles,
// pagination and errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  LambdaClient, CreateFunctionCommand, GetFunctionCommand, InvokeCommand, PublishVersionCommand,
  CreateAliasCommand, GetAliasCommand, PutFunctionConcurrencyCommand, GetFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand, GetProvisionedConcurrencyConfigCommand,
  ListFunctionsCommand, paginateListFunctions, DeleteFunctionCommand,
  ResourceNotFoundException, TooManyRequestsException, LambdaServiceException,
} from '@aws-sdk/client-lambda';
import { Sluice, makeZip, rejection, waitFor, ROLE } from '../harness.mjs';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:';

const HANDLER = `
import json

def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail: " + str(event["fail"]))
    return {"echo": event, "version": context.function_version, "name": context.function_name}
`;

const enc = (obj) => new TextEncoder().encode(JSON.stringify(obj));
const dec = (bytes) => JSON.parse(new TextDecoder().decode(bytes));

describe('Lambda', () => {
  const sluice = new Sluice();
  let lam;
  const zip = makeZip({ 'index.py': HANDLER });

  before(async () => {
    await sluice.start();
    lam = new LambdaClient(sluice.config());
  });
  after(async () => {
    lam?.destroy();
    await sluice.stop();
  });

  const create = (name, extra = {}) => lam.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'python3.12', Role: ROLE, Handler: 'index.handler',
    Code: { ZipFile: zip }, Timeout: 10, ...extra,
  }));

  it('CreateFunction and GetFunction', async () => {
    const out = await create('echo', { Description: 'from the js sdk', Environment: { Variables: { A: '1' } } });
    assert.equal(out.$metadata.httpStatusCode, 201);
    assert.equal(out.FunctionName, 'echo');
    assert.equal(out.FunctionArn, ARN + 'echo');
    assert.equal(out.Runtime, 'python3.12');
    assert.equal(out.Handler, 'index.handler');
    assert.equal(out.Role, ROLE);
    assert.equal(out.Description, 'from the js sdk');
    assert.equal(out.Timeout, 10);
    assert.equal(out.MemorySize, 128);
    assert.equal(out.Version, '$LATEST');
    assert.equal(out.State, 'Pending');
    assert.equal(out.CodeSize, zip.length);
    assert.equal(out.CodeSha256, crypto.createHash('sha256').update(zip).digest('base64'));
    assert.deepEqual(out.Environment, { Variables: { A: '1' } });

    const got = await waitFor(async () => {
      const g = await lam.send(new GetFunctionCommand({ FunctionName: 'echo' }));
      return g.Configuration.State === 'Active' ? g : null;
    }, { timeout: 5000, what: 'echo to be Active' });
    assert.equal(got.$metadata.httpStatusCode, 200);
    assert.equal(got.Configuration.FunctionArn, ARN + 'echo');
    assert.equal(got.Configuration.CodeSha256, out.CodeSha256);
    assert.equal(got.Code.RepositoryType, 'S3');
  });

  it('Invoke returns the payload, and FunctionError on a handler error', async () => {
    const ok = await lam.send(new InvokeCommand({ FunctionName: 'echo', Payload: enc({ n: 1, s: 'x' }) }));
    assert.equal(ok.StatusCode, 200);
    assert.equal(ok.FunctionError, undefined);
    assert.equal(ok.ExecutedVersion, '$LATEST');
    assert.deepEqual(dec(ok.Payload), { echo: { n: 1, s: 'x' }, version: '$LATEST', name: 'echo' });

    const bad = await lam.send(new InvokeCommand({ FunctionName: 'echo', Payload: enc({ fail: 7 }) }));
    assert.equal(bad.StatusCode, 200);
    assert.equal(bad.FunctionError, 'Unhandled');
    const body = dec(bad.Payload);
    assert.deepEqual(Object.keys(body).sort(), ['errorMessage', 'errorType', 'requestId', 'stackTrace']);
    assert.equal(body.errorType, 'ValueError');
    assert.equal(body.errorMessage, 'asked to fail: 7');
    assert.equal(body.requestId, bad.$metadata.requestId);

    const dry = await lam.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
    assert.equal(dry.StatusCode, 204);
  });

  it('PublishVersion, CreateAlias and invoking the alias', async () => {
    const v = await lam.send(new PublishVersionCommand({ FunctionName: 'echo', Description: 'v1' }));
    assert.equal(v.$metadata.httpStatusCode, 201);
    assert.equal(v.Version, '1');
    assert.equal(v.FunctionArn, ARN + 'echo:1');
    assert.equal(v.Description, 'v1');

    const a = await lam.send(new CreateAliasCommand({ FunctionName: 'echo', Name: 'live', FunctionVersion: '1' }));
    assert.equal(a.$metadata.httpStatusCode, 201);
    assert.equal(a.AliasArn, ARN + 'echo:live');
    assert.equal(a.Name, 'live');
    assert.equal(a.FunctionVersion, '1');
    const g = await lam.send(new GetAliasCommand({ FunctionName: 'echo', Name: 'live' }));
    assert.equal(g.RevisionId, a.RevisionId);

    const r = await lam.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: 'live', Payload: enc({ via: 'alias' }) }));
    assert.equal(r.ExecutedVersion, '1');
    assert.deepEqual(dec(r.Payload), { echo: { via: 'alias' }, version: '1', name: 'echo' });
  });

  it('Put/GetFunctionConcurrency and Put/GetProvisionedConcurrencyConfig', async () => {
    const put = await lam.send(new PutFunctionConcurrencyCommand({ FunctionName: 'echo', ReservedConcurrentExecutions: 5 }));
    assert.equal(put.ReservedConcurrentExecutions, 5);
    const get = await lam.send(new GetFunctionConcurrencyCommand({ FunctionName: 'echo' }));
    assert.equal(get.ReservedConcurrentExecutions, 5);

    const pc = await lam.send(new PutProvisionedConcurrencyConfigCommand({
      FunctionName: 'echo', Qualifier: 'live', ProvisionedConcurrentExecutions: 2,
    }));
    assert.equal(pc.$metadata.httpStatusCode, 202);
    assert.equal(pc.Status, 'IN_PROGRESS');
    assert.equal(pc.RequestedProvisionedConcurrentExecutions, 2);
    const ready = await waitFor(async () => {
      const c = await lam.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'echo', Qualifier: 'live' }));
      assert.notEqual(c.Status, 'FAILED', JSON.stringify(c));
      return c.Status === 'READY' ? c : null;
    }, { timeout: 20000, what: 'the provisioned concurrency config to be READY' });
    assert.equal(ready.RequestedProvisionedConcurrentExecutions, 2);
    assert.equal(ready.AllocatedProvisionedConcurrentExecutions, 2);
    assert.equal(ready.AvailableProvisionedConcurrentExecutions, 2);

    const r = await lam.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: 'live', Payload: enc({ pc: true }) }));
    assert.equal(r.FunctionError, undefined);
    assert.equal(r.ExecutedVersion, '1');
  });

  it('reserved concurrency 0: Invoke gets a 429 TooManyRequestsException', async () => {
    await create('blocked');
    await lam.send(new PutFunctionConcurrencyCommand({ FunctionName: 'blocked', ReservedConcurrentExecutions: 0 }));
    const err = await rejection(() => lam.send(new InvokeCommand({ FunctionName: 'blocked', Payload: enc({}) })));
    assert.ok(err instanceof TooManyRequestsException, `got ${err}`);
    assert.equal(err.name, 'TooManyRequestsException');
    assert.equal(err.$metadata.httpStatusCode, 429);
    assert.equal(err.message, 'Rate Exceeded.');
    assert.equal(err.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    assert.equal(err.$fault, 'client');
    assert.match(err.$metadata.requestId, /^[0-9a-f-]{36}$/);
  });

  it('ListFunctions pagination', async () => {
    for (const n of ['p-a', 'p-b', 'p-c', 'p-d']) await create(n);
    const all = ['blocked', 'echo', 'p-a', 'p-b', 'p-c', 'p-d'];
    const pages = [];
    let Marker;
    do {
      const page = await lam.send(new ListFunctionsCommand({ MaxItems: 4, Marker }));
      pages.push(page.Functions.map((f) => f.FunctionName));
      Marker = page.NextMarker;
    } while (Marker);
    assert.equal(pages.length, 2);
    assert.equal(pages[0].length, 4);
    assert.deepEqual(pages.flat().sort(), all);

    const viaPaginator = [];
    for await (const page of paginateListFunctions({ client: lam, pageSize: 1 }, {})) {
      assert.ok(page.Functions.length <= 1);
      viaPaginator.push(...page.Functions.map((f) => f.FunctionName));
    }
    assert.deepEqual(viaPaginator.sort(), all);

    const versions = await lam.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    assert.deepEqual(versions.Functions.map((f) => f.FunctionArn).filter((a) => a.startsWith(ARN + 'echo')).sort(),
      [ARN + 'echo:$LATEST', ARN + 'echo:1'].sort());
  });

  it('errors: ResourceNotFoundException with its name, status and message', async () => {
    const err = await rejection(() => lam.send(new GetFunctionCommand({ FunctionName: 'nope' })));
    assert.ok(err instanceof ResourceNotFoundException);
    assert.ok(err instanceof LambdaServiceException);
    assert.equal(err.name, 'ResourceNotFoundException');
    assert.equal(err.$metadata.httpStatusCode, 404);
    assert.equal(err.message, 'Function not found: ' + ARN + 'nope');
    assert.equal(err.Type, 'User');

    const inv = await rejection(() => lam.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: '9' })));
    assert.equal(inv.name, 'ResourceNotFoundException');
    assert.equal(inv.message, 'Function not found: ' + ARN + 'echo:9');

    const del = await lam.send(new DeleteFunctionCommand({ FunctionName: 'p-d' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const gone = await rejection(() => lam.send(new GetFunctionCommand({ FunctionName: 'p-d' })));
    assert.equal(gone.name, 'ResourceNotFoundException');
  });
});
