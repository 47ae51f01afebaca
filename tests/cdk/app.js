// sluice CDK seed app (plain JavaScript, CDK v2).
// Variant v1: mapping created with fn.addEventSourceMapping (function scope, targets $LATEST).
// Variant v2: same call moved to alias.addEventSourceMapping, same construct id 'Mapping'.
//   The mapping's construct path, and so its logical ID, changes: CloudFormation creates a
//   new mapping and deletes the old one (docs/alias-vs-latest.md, "The same move with CDK").
// Variant v3: v2's move written to keep v1's logical ID (overrideLogicalId): CloudFormation
//   updates the mapping in place (UpdateEventSourceMapping, same UUID, same checkpoint).
// Select with: npx cdk synth -c variant=v1|v2|v3   (default v1)
// Code source: -c code=asset (default, ./lambda directory) or -c code=inline.
// Stack name: -c stack=NAME (default SluiceSeed; the tests deploy several side by side).
// Starting position: -c start=TRIM_HORIZON (default LATEST), e.g. for v2's new mapping only.
const cdk = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');

class SeedStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);
    const variant = this.node.tryGetContext('variant') || 'v1';
    const codeMode = this.node.tryGetContext('code') || 'asset';

    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });

    const code = codeMode === 'inline'
      ? lambda.Code.fromInline('def handler(event, context):\n    return {"count": len(event.get("Records", []))}\n')
      : lambda.Code.fromAsset(require('path').join(__dirname, 'lambda'));

    const fn = new lambda.Function(this, 'Fn', {
      runtime: lambda.Runtime.PYTHON_3_12,
      handler: 'index.handler',
      code,
      reservedConcurrentExecutions: 5,
    });
    table.grantStreamRead(fn);

    const alias = new lambda.Alias(this, 'Live', {
      aliasName: 'live',
      version: fn.currentVersion,
      provisionedConcurrentExecutions: 2,
    });

    const mappingProps = {
      eventSourceArn: table.tableStreamArn,
      startingPosition: this.node.tryGetContext('start') === 'TRIM_HORIZON'
        ? lambda.StartingPosition.TRIM_HORIZON : lambda.StartingPosition.LATEST,
      batchSize: 10,
    };
    if (variant === 'v2') {
      alias.addEventSourceMapping('Mapping', mappingProps);
    } else if (variant === 'v3') {
      const mapping = alias.addEventSourceMapping('Mapping', mappingProps);
      // v1's logical ID (SluiceSeed/Fn/Mapping): same resource, new FunctionName.
      mapping.node.defaultChild.overrideLogicalId('FnMappingB3015946');
    } else {
      fn.addEventSourceMapping('Mapping', mappingProps);
    }
  }
}

const app = new cdk.App();
new SeedStack(app, app.node.tryGetContext('stack') || 'SluiceSeed', {
  env: { account: '000000000000', region: 'us-east-1' },
});
