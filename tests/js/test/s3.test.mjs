// S3 through @aws-sdk/client-s3, whose checksum defaults differ from
// botocore's: a string or buffer body goes with an x-amz-checksum-crc32
// header, a stream of unknown length as aws-chunked (inside HTTP chunked
// transfer) with a trailing x-amz-checksum-crc32. Both must store the
// bytes, verify the checksum and return it; GetObject validates the
// checksum sluice returns.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, NoSuchKey,
} from '@aws-sdk/client-s3';
import { Sluice, crc32, rejection } from '../harness.mjs';

const b64crc = (s) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(Buffer.from(s)));
  return b.toString('base64');
};

describe('S3 objects', () => {
  const sluice = new Sluice();
  let s3;

  before(async () => {
    await sluice.start();
    s3 = new S3Client(sluice.config({ forcePathStyle: true }));
    await s3.send(new CreateBucketCommand({ Bucket: 'js-bucket' }));
  });
  after(() => sluice.stop());

  it('puts and gets a string body with its CRC32', async () => {
    const put = await s3.send(new PutObjectCommand({
      Bucket: 'js-bucket', Key: 'dir/hello.txt', Body: 'hello from js', ContentType: 'text/plain',
      Metadata: { origin: 'node' },
    }));
    assert.equal(put.ChecksumCRC32, b64crc('hello from js'));
    const get = await s3.send(new GetObjectCommand({ Bucket: 'js-bucket', Key: 'dir/hello.txt' }));
    assert.equal(await get.Body.transformToString(), 'hello from js');
    assert.equal(get.ContentType, 'text/plain');
    assert.deepEqual(get.Metadata, { origin: 'node' });
  });

  it('puts a stream as aws-chunked with a trailing checksum', async () => {
    const body = Readable.from([Buffer.from('chunk one, '), Buffer.from('chunk two')]);
    const put = await s3.send(new PutObjectCommand({
      Bucket: 'js-bucket', Key: 'streamed', Body: body, ContentLength: 20,
    }));
    assert.equal(put.ChecksumCRC32, b64crc('chunk one, chunk two'));
    const get = await s3.send(new GetObjectCommand({ Bucket: 'js-bucket', Key: 'streamed' }));
    assert.equal(await get.Body.transformToString(), 'chunk one, chunk two');
    const list = await s3.send(new ListObjectsV2Command({ Bucket: 'js-bucket' }));
    assert.deepEqual(list.Contents.map((o) => o.Key), ['dir/hello.txt', 'streamed']);
  });

  it('answers a missing key with NoSuchKey', async () => {
    const err = await rejection(() => s3.send(new GetObjectCommand({ Bucket: 'js-bucket', Key: 'nope' })));
    assert.ok(err instanceof NoSuchKey, err.name);
    assert.equal(err.$metadata.httpStatusCode, 404);
    const head = await rejection(() => s3.send(new HeadObjectCommand({ Bucket: 'js-bucket', Key: 'nope' })));
    assert.equal(head.name, 'NotFound');
  });
});
