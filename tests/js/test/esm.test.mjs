// Event source mappings through the JS SDK: a DynamoDB stream mapped to a
// python function with TRIM_HORIZON; the handler appends what it receives
// to a file named in its environment.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  LambdaClient, CreateFunctionCommand, CreateEventSourceMappingCommand, GetEventSourceMappingCommand,
  ListEventSourceMappingsCommand, DeleteEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { DynamoDBClient, CreateTableCommand, PutItemCommand, DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { Sluice, makeZip, waitFor, ROLE } from '../harness.mjs';

const RECORDER = `
import json, os

def handler(event, context):
    with open(os.environ["OUT"], "a") as f:
        for r in event["Records"]:
            f.write(json.dumps({"name": r["eventName"], "keys": r["dynamodb"]["Keys"],
                                "new": r["dynamodb"].get("NewImage"), "old": r["dynamodb"].get("OldImage"),
                                "source": r["eventSourceARN"]}) + "\\n")
    return {}
`;

describe('event source mapping: DynamoDB stream to Lambda', () => {
  const sluice = new Sluice();
  let lam;
  let ddb;
  let out;
  let streamArn;
  let uuid;

  before(async () => {
    await sluice.start();
    lam = new LambdaClient(sluice.config());
    ddb = new DynamoDBClient(sluice.config());
    out = path.join(sluice.tmp, 'records.jsonl');
  });
  after(async () => {
    lam?.destroy();
    ddb?.destroy();
    await sluice.stop();
  });

  const delivered = () => {
    try {
      return fs.readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    } catch { return []; }
  };

  it('CreateEventSourceMapping (TRIM_HORIZON) and GetEventSourceMapping shows Enabled', async () => {
    const t = await ddb.send(new CreateTableCommand({
      TableName: 'events', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }));
    streamArn = t.TableDescription.LatestStreamArn;
    // Written before the mapping exists: TRIM_HORIZON must still deliver it.
    await ddb.send(new PutItemCommand({ TableName: 'events', Item: { pk: { S: 'early' }, n: { N: '1' } } }));

    await lam.send(new CreateFunctionCommand({
      FunctionName: 'recorder', Runtime: 'python3.12', Role: ROLE, Handler: 'index.handler',
      Code: { ZipFile: makeZip({ 'index.py': RECORDER }) }, Timeout: 30,
      Environment: { Variables: { OUT: out } },
    }));
    const m = await lam.send(new CreateEventSourceMappingCommand({
      FunctionName: 'recorder', EventSourceArn: streamArn, StartingPosition: 'TRIM_HORIZON', BatchSize: 10,
    }));
    assert.equal(m.$metadata.httpStatusCode, 202);
    assert.equal(m.State, 'Creating');
    assert.equal(m.EventSourceArn, streamArn);
    assert.equal(m.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:recorder');
    assert.equal(m.StartingPosition, 'TRIM_HORIZON');
    assert.equal(m.BatchSize, 10);
    assert.match(m.UUID, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    uuid = m.UUID;

    const got = await waitFor(async () => {
      const g = await lam.send(new GetEventSourceMappingCommand({ UUID: uuid }));
      return g.State === 'Enabled' ? g : null;
    }, { timeout: 5000, what: 'the mapping to be Enabled' });
    assert.equal(got.UUID, uuid);
    assert.equal(got.EventSourceArn, streamArn);
    assert.equal(got.MaximumRetryAttempts, -1);
    assert.equal(got.MaximumRecordAgeInSeconds, -1);
    assert.equal(got.ParallelizationFactor, 1);

    const list = await lam.send(new ListEventSourceMappingsCommand({ FunctionName: 'recorder' }));
    assert.deepEqual(list.EventSourceMappings.map((e) => e.UUID), [uuid]);
  });

  it('records reach the handler, in order, with their images', async () => {
    await ddb.send(new PutItemCommand({ TableName: 'events', Item: { pk: { S: 'early' }, n: { N: '2' } } }));
    await ddb.send(new PutItemCommand({ TableName: 'events', Item: { pk: { S: 'late' }, s: { S: 'hi' } } }));
    await ddb.send(new DeleteItemCommand({ TableName: 'events', Key: { pk: { S: 'late' } } }));
    const recs = await waitFor(() => { const d = delivered(); return d.length >= 4 ? d : null; },
      { timeout: 15000, what: '4 records delivered' });
    // Give a duplicate the chance to show up before judging.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(delivered(), recs);
    assert.deepEqual(recs, [
      { name: 'INSERT', keys: { pk: { S: 'early' } }, new: { pk: { S: 'early' }, n: { N: '1' } }, old: null, source: streamArn },
      {
        name: 'MODIFY', keys: { pk: { S: 'early' } }, new: { pk: { S: 'early' }, n: { N: '2' } },
        old: { pk: { S: 'early' }, n: { N: '1' } }, source: streamArn,
      },
      { name: 'INSERT', keys: { pk: { S: 'late' } }, new: { pk: { S: 'late' }, s: { S: 'hi' } }, old: null, source: streamArn },
      { name: 'REMOVE', keys: { pk: { S: 'late' } }, new: null, old: { pk: { S: 'late' }, s: { S: 'hi' } }, source: streamArn },
    ]);
    const g = await waitFor(async () => {
      const m = await lam.send(new GetEventSourceMappingCommand({ UUID: uuid }));
      return m.LastProcessingResult === 'OK' ? m : null;
    }, { timeout: 5000, what: 'LastProcessingResult OK' });
    assert.equal(g.State, 'Enabled');
  });

  it('DeleteEventSourceMapping', async () => {
    const d = await lam.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    assert.equal(d.$metadata.httpStatusCode, 202);
    assert.equal(d.State, 'Deleting');
    const err = await waitFor(async () => {
      try {
        await lam.send(new GetEventSourceMappingCommand({ UUID: uuid }));
        return null;
      } catch (e) { return e; }
    }, { timeout: 5000, what: 'the mapping to be gone' });
    assert.equal(err.name, 'ResourceNotFoundException');
    assert.equal(err.$metadata.httpStatusCode, 404);
  });
});
