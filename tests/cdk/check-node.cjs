// Exits 0 when this node can run the CDK suite (>= 20: aws-cdk-lib 2.278's
// declared engine), 1 otherwise.
const [major] = process.versions.node.split('.').map(Number);
process.exit(major >= 20 ? 0 : 1);
