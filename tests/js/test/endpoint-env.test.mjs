// AWS_ENDPOINT_URL alone (no `endpoint` option) points the JS SDK at sluice:
// a child node process whose environment has only the AWS_* variables below
// (the JS SDK reads AWS_REGION, not AWS_DEFAULT_REGION) and PATH.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { Sluice } from '../harness.mjs';

const HERE = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const CLOSED = 'http://127.0.0.1:9';

const CHILD = `
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
const out = {};
const ddb = new DynamoDBClient({ maxAttempts: 1 });
out.tables = (await ddb.send(new ListTablesCommand({}))).TableNames;
if (process.argv.includes('lambda')) {
  const lam = new LambdaClient({ maxAttempts: 1 });
  out.functions = (await lam.send(new ListFunctionsCommand({}))).Functions;
}
console.log(JSON.stringify(out));
`;

describe('AWS_ENDPOINT_URL with the JS SDK', () => {
  const sluice = new Sluice();

  before(async () => {
    await sluice.start();
    const ddb = new DynamoDBClient(sluice.config());
    await ddb.send(new CreateTableCommand({
      TableName: 'seen-from-env', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }));
    ddb.destroy();
  });
  after(() => sluice.stop());

  const child = async (env, ...args) => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CHILD, '--', ...args], {
      cwd: HERE,
      timeout: 30000,
      env: {
        PATH: process.env.PATH,
        // (only for a node whose libnode lives outside the linker's path)
        ...(process.env.LD_LIBRARY_PATH ? { LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH } : {}),
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        AWS_CONFIG_FILE: path.join(sluice.tmp, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(sluice.tmp, 'no-aws-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        ...env,
      },
    });
    return JSON.parse(stdout);
  };

  it('the global variable', async () => {
    const out = await child({ AWS_ENDPOINT_URL: sluice.endpoint }, 'lambda');
    assert.deepEqual(out, { tables: ['seen-from-env'], functions: [] });
  });

  it('the service-specific variable wins over the global one', async () => {
    const out = await child({ AWS_ENDPOINT_URL: CLOSED, AWS_ENDPOINT_URL_DYNAMODB: sluice.endpoint });
    assert.deepEqual(out, { tables: ['seen-from-env'] });
    // ...and the global one still points Lambda at the closed port.
    await assert.rejects(child({ AWS_ENDPOINT_URL: CLOSED, AWS_ENDPOINT_URL_DYNAMODB: sluice.endpoint }, 'lambda'),
      /ECONNREFUSED 127\.0\.0\.1:9/);
  });
});
