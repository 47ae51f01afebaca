// SQS through @aws-sdk/client-sqs: the JSON protocol (X-Amz-Target
// AmazonSQS.*), whose client checks MD5OfMessageBody and
// MD5OfMessageAttributes on send and receive (middleware-sdk-sqs), and
// the awsQueryCompatible error codes it reads from x-amzn-query-error.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand,
  SendMessageBatchCommand, GetQueueUrlCommand, QueueDoesNotExist,
} from '@aws-sdk/client-sqs';
import { Sluice, rejection } from '../harness.mjs';

describe('SQS with the JS SDK v3', () => {
  const sluice = new Sluice();
  let sqs;

  before(async () => {
    await sluice.start();
    sqs = new SQSClient(sluice.config());
  });
  after(async () => { await sluice.stop(); });

  it('sends and receives with attributes (MD5s checked by the client)', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'js' }));
    assert.match(QueueUrl, /\/000000000000\/js$/);
    const attrs = {
      s: { DataType: 'String', StringValue: 'v' },
      b: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 255]) },
      n: { DataType: 'Number', StringValue: '42' },
    };
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'héllo', MessageAttributes: attrs }));
    assert.ok(sent.MessageId);
    assert.ok(sent.MD5OfMessageAttributes);
    const batch = await sqs.send(new SendMessageBatchCommand({
      QueueUrl, Entries: [{ Id: 'a', MessageBody: 'two' }, { Id: 'b', MessageBody: 'three' }],
    }));
    assert.equal(batch.Successful.length, 2);
    const got = await sqs.send(new ReceiveMessageCommand({
      QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'],
    }));
    assert.deepEqual(got.Messages.map((m) => m.Body).sort(), ['héllo', 'three', 'two']);
    const first = got.Messages.find((m) => m.Body === 'héllo');
    assert.equal(first.MessageAttributes.s.StringValue, 'v');
    assert.deepEqual([...first.MessageAttributes.b.BinaryValue], [0, 1, 255]);
    assert.equal(first.Attributes.ApproximateReceiveCount, '1');
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle }));
  });

  it('reports a missing queue as QueueDoesNotExist', async () => {
    const err = await rejection(() => sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' })));
    assert.ok(err instanceof QueueDoesNotExist, err.name);
    assert.equal(err.$metadata.httpStatusCode, 400);
  });
});
