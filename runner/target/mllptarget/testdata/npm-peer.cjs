// An independent MLLP peer for carecert's specs (runner/target/mllp_peer_test.go), built on
// the npm packages node-hl7-server and node-hl7-client (MIT, installed by
// .ci/install-hl7-peer.sh into .tools/hl7-peer; NODE_PATH points there).
// Their framing, parsing and acknowledgement building are theirs; only which
// acknowledgements to send is decided here, from MSH-15 and MSH-16.
//
//   node npm-peer.cjs server PORT        listen on 127.0.0.1:PORT; print "ready"
//   node npm-peer.cjs client PORT FILE   send each message of FILE (messages
//                                        separated by a blank line), then
//                                        print every acknowledgement received
//                                        as "MSA-1 MSA-2", one a line
'use strict';
const [mode, port, file] = process.argv.slice(2);

if (mode === 'server') {
  const { Server } = require('node-hl7-server');
  const server = new Server({ bindAddress: '127.0.0.1' });
  server.createInbound({ port: Number(port) }, async (req, res) => {
    const msg = req.getMessage();
    const accept = msg.get('MSH.15').toString();
    const application = msg.get('MSH.16').toString();
    if (accept === '' && application === '') {
      await res.sendResponse('AA'); // original mode
      return;
    }
    // Enhanced mode, on success: a CA unless MSH-15 is NE or ER, then an
    // AA unless MSH-16 is NE or ER.
    if (accept !== 'NE' && accept !== 'ER') {
      await res.sendResponse('CA');
    }
    if (application !== 'NE' && application !== 'ER') {
      await res.sendResponse('AA');
    }
  });
  console.log('ready');
} else if (mode === 'client') {
  const fs = require('fs');
  const { Client, Message } = require('node-hl7-client');
  const texts = fs.readFileSync(file, 'utf8').split(/\n\s*\n/).map((t) => t.trim()).filter((t) => t !== '');
  const client = new Client({ host: '127.0.0.1', version: '2.4' });
  const seen = [];
  const outbound = client.createConnection({ port: Number(port), waitAck: false }, async (res) => {
    const m = res.getMessage();
    seen.push(m.get('MSA.1').toString() + ' ' + m.get('MSA.2').toString());
  });
  (async () => {
    for (const t of texts) {
      await outbound.sendMessage(new Message({ text: t.replace(/\n/g, '\r') }));
    }
    // Acknowledgements owed arrive well within this; then report and leave.
    setTimeout(async () => {
      console.log(seen.join('\n'));
      await outbound.close();
      process.exit(0);
    }, 1500);
  })().catch((e) => { console.error(e); process.exit(1); });
} else {
  console.error('usage: npm-peer.cjs server PORT | client PORT FILE');
  process.exit(2);
}
