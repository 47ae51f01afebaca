// Exits 0 when this node can run the JS SDK suite (>= 18.19: node --test with
// describe/before/after, and the SDK's own minimum of 18), 1 otherwise.
const [major, minor] = process.versions.node.split('.').map(Number);
process.exit(major > 18 || (major === 18 && minor >= 19) ? 0 : 1);
