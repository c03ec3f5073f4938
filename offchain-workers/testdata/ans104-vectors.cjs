// ANS-104 test vectors from arbundles 0.6.23 (the library arlocal unbundles with).
// Run: node offchain-workers/testdata/ans104-vectors.cjs "$PWD/tools/arweave-dev-gateway/node_modules"
const path = require('path');
const nm = process.argv[2];
const { createData, bundleAndSignData, DataItem } = require(path.join(nm, 'arbundles'));
const SolanaSigner = require(path.join(nm, 'arbundles/src/signing/chains/SolanaSigner')).default;
const bs58 = require(path.join(nm, 'bs58'));
const nacl = require(path.join(nm, 'tweetnacl'));
(async () => {
  const seed = Buffer.alloc(32, 7);
  const kp = nacl.sign.keyPair.fromSeed(seed);
  const signer = new SolanaSigner(bs58.encode(Buffer.from(kp.secretKey)));
  const tags = [{ name: 'App-Name', value: 'DIMO' }, { name: 'Vehicle', value: '42' }];
  const a = createData(Buffer.from('envelope one'), signer, { tags });
  const b = createData(Buffer.from('two'), signer, {});
  const bundle = await bundleAndSignData([a, b], signer);
  console.log('owner', Buffer.from(kp.publicKey).toString('hex'));
  console.log('a', a.getRaw().toString('hex'));
  console.log('a.id', a.id);
  console.log('b', b.getRaw().toString('hex'));
  console.log('b.id', b.id);
  console.log('bundle', bundle.getRaw().toString('hex'));
  console.log('verify', await DataItem.verify(a.getRaw()), await DataItem.verify(b.getRaw()), await bundle.verify());
})();
