// DynamoDB and DynamoDB Streams through @aws-sdk/client-dynamodb and
// @aws-sdk/client-dynamodb-streams: items with expressions, batches,
// transactions and their errors, then the stream records of all of it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, PutItemCommand, GetItemCommand,
  UpdateItemCommand, QueryCommand, ScanCommand, BatchWriteItemCommand, TransactWriteItemsCommand,
  DeleteTableCommand, ListTablesCommand, ConditionalCheckFailedException,
  TransactionCanceledException, ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBStreamsClient, ListStreamsCommand, DescribeStreamCommand, GetShardIteratorCommand,
  GetRecordsCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { Sluice, rejection } from '../harness.mjs';

const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/orders';
const COND_FAILED = 'The conditional request failed';

describe('DynamoDB and DynamoDB Streams', () => {
  const sluice = new Sluice();
  let ddb;
  let streams;
  let streamArn;

  before(async () => {
    await sluice.start();
    ddb = new DynamoDBClient(sluice.config());
    streams = new DynamoDBStreamsClient(sluice.config());
  });
  after(async () => {
    ddb?.destroy();
    streams?.destroy();
    await sluice.stop();
  });

  const key = (pk, sk) => ({ pk: { S: pk }, sk: { N: String(sk) } });

  it('CreateTable with a NEW_AND_OLD_IMAGES stream', async () => {
    const out = await ddb.send(new CreateTableCommand({
      TableName: 'orders',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }));
    const d = out.TableDescription;
    assert.equal(d.TableName, 'orders');
    assert.equal(d.TableArn, TABLE_ARN);
    assert.equal(d.TableStatus, 'CREATING');
    assert.deepEqual(d.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    assert.deepEqual(d.BillingModeSummary.BillingMode, 'PAY_PER_REQUEST');
    assert.equal(d.LatestStreamArn, `${TABLE_ARN}/stream/${d.LatestStreamLabel}`);
    streamArn = d.LatestStreamArn;

    const desc = await ddb.send(new DescribeTableCommand({ TableName: 'orders' }));
    assert.equal(desc.Table.TableStatus, 'ACTIVE');
    assert.equal(desc.Table.ItemCount, 0);
    const list = await ddb.send(new ListTablesCommand({}));
    assert.deepEqual(list.TableNames, ['orders']);
  });

  it('PutItem, GetItem and UpdateItem with expressions', async () => {
    const put = await ddb.send(new PutItemCommand({
      TableName: 'orders',
      Item: { ...key('a', 1), name: { S: 'first' }, qty: { N: '1' }, tags: { SS: ['x', 'y'] } },
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
    assert.equal(put.$metadata.httpStatusCode, 200);
    assert.equal(put.Attributes, undefined);

    const got = await ddb.send(new GetItemCommand({ TableName: 'orders', Key: key('a', 1), ConsistentRead: true }));
    assert.deepEqual(got.Item, { ...key('a', 1), name: { S: 'first' }, qty: { N: '1' }, tags: { SS: ['x', 'y'] } });

    const up = await ddb.send(new UpdateItemCommand({
      TableName: 'orders', Key: key('a', 1),
      UpdateExpression: 'SET #n = :n, qty = qty + :inc, price = :p REMOVE tags',
      ConditionExpression: 'qty = :one',
      ExpressionAttributeNames: { '#n': 'name' },
      ExpressionAttributeValues: { ':n': { S: 'second' }, ':inc': { N: '2' }, ':p': { N: '12.50' }, ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    }));
    assert.deepEqual(up.Attributes, { ...key('a', 1), name: { S: 'second' }, qty: { N: '3' }, price: { N: '12.5' } });

    const proj = await ddb.send(new GetItemCommand({
      TableName: 'orders', Key: key('a', 1), ProjectionExpression: '#n, qty', ExpressionAttributeNames: { '#n': 'name' },
    }));
    assert.deepEqual(proj.Item, { name: { S: 'second' }, qty: { N: '3' } });

    const missing = await ddb.send(new GetItemCommand({ TableName: 'orders', Key: key('zz', 0) }));
    assert.equal(missing.Item, undefined);
  });

  it('ConditionalCheckFailedException, with the old item when asked', async () => {
    const err = await rejection(() => ddb.send(new PutItemCommand({
      TableName: 'orders', Item: { ...key('a', 1), name: { S: 'clobber' } },
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    })));
    assert.ok(err instanceof ConditionalCheckFailedException, `got ${err}`);
    assert.equal(err.name, 'ConditionalCheckFailedException');
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.message, COND_FAILED);
    assert.deepEqual(err.Item, { ...key('a', 1), name: { S: 'second' }, qty: { N: '3' }, price: { N: '12.5' } });
  });

  it('BatchWriteItem, Query and Scan', async () => {
    const out = await ddb.send(new BatchWriteItemCommand({
      RequestItems: {
        orders: [1, 2, 3].map((n) => ({ PutRequest: { Item: { ...key('b', n), qty: { N: String(n * 10) } } } })),
      },
    }));
    assert.deepEqual(out.UnprocessedItems, {});

    const q = await ddb.send(new QueryCommand({
      TableName: 'orders', KeyConditionExpression: 'pk = :pk AND sk >= :from',
      ExpressionAttributeValues: { ':pk': { S: 'b' }, ':from': { N: '2' } },
      ScanIndexForward: false,
    }));
    assert.equal(q.Count, 2);
    assert.equal(q.ScannedCount, 2);
    assert.deepEqual(q.Items, [{ ...key('b', 3), qty: { N: '30' } }, { ...key('b', 2), qty: { N: '20' } }]);

    const page = await ddb.send(new QueryCommand({
      TableName: 'orders', KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'b' } }, Limit: 1,
    }));
    assert.deepEqual(page.Items, [{ ...key('b', 1), qty: { N: '10' } }]);
    assert.deepEqual(page.LastEvaluatedKey, key('b', 1));

    const s = await ddb.send(new ScanCommand({
      TableName: 'orders', FilterExpression: 'qty > :q', ExpressionAttributeValues: { ':q': { N: '5' } },
    }));
    assert.equal(s.ScannedCount, 4);
    assert.equal(s.Count, 3);
    assert.deepEqual(s.Items.map((i) => `${i.pk.S}/${i.sk.N}`).sort(), ['b/1', 'b/2', 'b/3']);
  });

  it('TransactWriteItems, and a cancelled one with CancellationReasons', async () => {
    await ddb.send(new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: 'orders', Item: { ...key('c', 1), qty: { N: '7' } } } },
        { Delete: { TableName: 'orders', Key: key('b', 3) } },
      ],
    }));
    const err = await rejection(() => ddb.send(new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: 'orders', Item: { ...key('d', 1) } } },
        {
          ConditionCheck: {
            TableName: 'orders', Key: key('c', 1), ConditionExpression: 'qty = :q',
            ExpressionAttributeValues: { ':q': { N: '8' } },
          },
        },
      ],
    })));
    assert.ok(err instanceof TransactionCanceledException, `got ${err}`);
    assert.equal(err.name, 'TransactionCanceledException');
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.message,
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]');
    assert.deepEqual(err.CancellationReasons, [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: COND_FAILED }]);

    const d = await ddb.send(new GetItemCommand({ TableName: 'orders', Key: key('d', 1) }));
    assert.equal(d.Item, undefined);
    const b3 = await ddb.send(new GetItemCommand({ TableName: 'orders', Key: key('b', 3) }));
    assert.equal(b3.Item, undefined);
  });

  it('Streams: ListStreams, DescribeStream, GetShardIterator and GetRecords with the exact images', async () => {
    const list = await streams.send(new ListStreamsCommand({ TableName: 'orders' }));
    assert.equal(list.Streams.length, 1);
    assert.equal(list.Streams[0].StreamArn, streamArn);
    assert.equal(list.Streams[0].TableName, 'orders');
    assert.equal(list.Streams[0].StreamLabel, streamArn.split('/stream/')[1]);

    const desc = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription;
    assert.equal(desc.StreamArn, streamArn);
    assert.equal(desc.StreamStatus, 'ENABLED');
    assert.equal(desc.StreamViewType, 'NEW_AND_OLD_IMAGES');
    assert.equal(desc.TableName, 'orders');
    assert.deepEqual(desc.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
    assert.equal(desc.Shards.length, 1);
    assert.ok(desc.CreationRequestDateTime instanceof Date);
    const shard = desc.Shards[0];
    assert.match(shard.ShardId, /^shardId-/);
    assert.equal(shard.SequenceNumberRange.EndingSequenceNumber, undefined);

    const it0 = await streams.send(new GetShardIteratorCommand({
      StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON',
    }));
    const res = await streams.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator }));
    assert.ok(res.NextShardIterator, 'an open shard gives a next iterator');
    const a1 = { ...key('a', 1), name: { S: 'first' }, qty: { N: '1' }, tags: { SS: ['x', 'y'] } };
    const a2 = { ...key('a', 1), name: { S: 'second' }, qty: { N: '3' }, price: { N: '12.5' } };
    const b = (n) => ({ ...key('b', n), qty: { N: String(n * 10) } });
    const c1 = { ...key('c', 1), qty: { N: '7' } };
    // The failed condition and the cancelled transaction left no record.
    assert.deepEqual(res.Records.map((r) => [r.eventName, r.dynamodb.Keys, r.dynamodb.OldImage, r.dynamodb.NewImage]), [
      ['INSERT', key('a', 1), undefined, a1],
      ['MODIFY', key('a', 1), a1, a2],
      ['INSERT', key('b', 1), undefined, b(1)],
      ['INSERT', key('b', 2), undefined, b(2)],
      ['INSERT', key('b', 3), undefined, b(3)],
      ['INSERT', key('c', 1), undefined, c1],
      ['REMOVE', key('b', 3), b(3), undefined],
    ]);
    const seqs = res.Records.map((r) => BigInt(r.dynamodb.SequenceNumber));
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], 'sequence numbers grow');
    for (const r of res.Records) {
      assert.equal(r.eventSource, 'aws:dynamodb');
      assert.equal(r.awsRegion, 'us-east-1');
      assert.equal(r.eventVersion, '1.1');
      assert.equal(r.dynamodb.StreamViewType, 'NEW_AND_OLD_IMAGES');
      assert.ok(r.dynamodb.ApproximateCreationDateTime instanceof Date);
      assert.ok(r.dynamodb.SizeBytes > 0);
    }
    const more = await streams.send(new GetRecordsCommand({ ShardIterator: res.NextShardIterator }));
    assert.deepEqual(more.Records, []);
  });

  it('DeleteTable', async () => {
    const out = await ddb.send(new DeleteTableCommand({ TableName: 'orders' }));
    assert.equal(out.TableDescription.TableName, 'orders');
    assert.equal(out.TableDescription.TableStatus, 'DELETING');
    const err = await rejection(() => ddb.send(new DescribeTableCommand({ TableName: 'orders' })));
    assert.ok(err instanceof ResourceNotFoundException, `got ${err}`);
    assert.equal(err.name, 'ResourceNotFoundException');
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.message, 'Requested resource not found: Table: orders not found');
    assert.deepEqual((await ddb.send(new ListTablesCommand({}))).TableNames, []);
  });
});
