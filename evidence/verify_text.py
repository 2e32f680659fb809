"""``VERIFY.txt``, written into every bundle: what is hashed, signed and proven, and how to
check each by hand with OpenSSL and a POSIX shell.

Every line indented by four spaces is a command; tests/integration/test_verify_text.py runs
them all against a real bundle (setting the lines with ``<...>`` from the bundle itself).
"""

VERIFY_TEXT = r"""How to verify this bundle without the exporting force's systems
=================================================================

Everything below needs only this folder. With nothing installed at all: open verify.html
(in this folder) in a current browser (Chrome, Edge, Firefox or Safari) and choose this
folder; it checks steps 1 to 4 on your computer, sends nothing anywhere, and says VALID or
names each problem in the same words as bundle-verify (time stamps included, though it
cannot take a trusted TSA certificate as bundle-verify --tsa-ca does). Whoever alters a
bundle can alter its page too: for a verdict to rely on, use a copy of verify.html
obtained separately and give it the organisation's published key.
`bundle-verify .` checks all of it at once (`pip install ./verifier` from the project's
repository; it needs only the Python packages `cryptography` and `rfc8785`);
`evidence bundle verify .` runs the same code. Exit 0 means
valid, 4 that a check failed; each problem is named. To check by hand, run the indented
commands from this folder in a POSIX shell with OpenSSL 3 (and python3 with `pip install
rfc8785` for the canonical JSON of steps 3 and 4).

1. What is hashed
   Each payload file (everything under data/) is listed with its SHA-256 in
   manifest-sha256.txt and its SHA-512 in manifest-sha512.txt. Every other file (bagit.txt,
   bag-info.txt, both payload manifests, signing-key.pub.pem, VERIFY.txt, verify.html and
   every file under log/) is listed in tagmanifest-sha256.txt and tagmanifest-sha512.txt.
   No file under data/ may be missing from the payload manifests. Check each digest (the same with
   sha512, and with the tag manifests):

    while read -r sum path; do
      got=$(openssl dgst -sha256 -r "$path" | cut -d' ' -f1)
      [ "$got" = "$sum" ] && echo "OK $path" || echo "FAILED $path"
    done < manifest-sha256.txt

2. What is signed
   tagmanifest-sha256.txt.sig and tagmanifest-sha512.txt.sig are raw 64-byte Ed25519
   signatures over the two tag manifests. The tag manifests list the payload manifests, so
   the signature covers every byte of the bundle: a changed file breaks a digest, and
   recomputed manifests break the signature. Check it with the bundled public key:

    openssl pkeyutl -verify -pubin -inkey signing-key.pub.pem -rawin \
      -in tagmanifest-sha256.txt -sigfile tagmanifest-sha256.txt.sig

   The key's fingerprint (Signing-Key-Fingerprint in bag-info.txt) is the SHA-256 of the
   raw 32-byte public key. Compare it with the one the organisation published:

    openssl pkey -pubin -in signing-key.pub.pem -outform DER | tail -c 32 | openssl dgst -sha256 -r

3. The custody logs (the continuity of each exhibit)
   data/exhibits/<REF>/custody.json is the exhibit's custody log, a hash chain. Each
   event's "prev_hash" is the "hash" of the event before it (64 zeros for the first); its
   "hash" is the SHA-256 of the canonical JSON of all its other fields. The event's
   "format" field names the canonical form:
     format 2: RFC 8785, the JSON Canonicalization Scheme (keys sorted by UTF-16 code
               units, no whitespace, UTF-8, numbers in ECMAScript form);
     no "format" field (events recorded before format versions existed): format 1,
               Python's json.dumps(fields, sort_keys=True, separators=(",", ":"),
               ensure_ascii=False) encoded as UTF-8.
   The last event of each exhibit is its export into this bundle (action exported-to-cps,
   details.bundle equal to Bundle-Identifier in bag-info.txt); data/exhibits.json records
   its hash as custody_head. To recompute one event's hash, set the exhibit's folder and
   the event's seq:

    DIR=data/exhibits/<REF> SEQ=<seq>
    python3 -c 'import json, sys, rfc8785; \
      e = json.load(open(sys.argv[1]))[int(sys.argv[2]) - 1]; e.pop("hash"); \
      b = rfc8785.dumps(e) if e.get("format") == 2 else json.dumps( \
        e, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(); \
      sys.stdout.buffer.write(b)' "$DIR/custody.json" "$SEQ" > event.json
    openssl dgst -sha256 -r event.json

4. The transparency log (no event was removed or rewritten since)
   Every custody and audit event the force records is also a leaf of one append-only
   Merkle tree (RFC 6962, section 2.1), whose size and root hash the force signs after
   every ingest, every export and at least hourly, as checkpoints it cannot overwrite.
   - A custody event's leaf commits to RFC8785({"event": <the event exactly as in
     custody.json, "hash" included>, "log": "custody"}); the leaf hash is
     SHA-256(0x00 || those bytes).
   - A node's hash is SHA-256(0x01 || left || right). A tree of n > 1 leaves has the
     largest power of two smaller than n on its left, the rest on its right.
   - log/checkpoint.note is the newest checkpoint at export, taken after the export events:
     a C2SP tlog-checkpoint in a C2SP signed note. Its lines are the origin
     "<organisation>/bwv-evidence/<first 16 hex digits of the key fingerprint>", the tree
     size, the root hash in base64, a blank line, and the signature line
     "<em dash> <origin> <base64 of key id (4 bytes) and Ed25519 signature (64 bytes)>".
     The signature covers the text before the blank line (newlines included); the key id
     is the first 4 bytes of SHA-256(origin || 0x0A || 0x01 || raw public key). Check it:

    sed '/^$/,$d' log/checkpoint.note > checkpoint.body
    tail -n 1 log/checkpoint.note | awk '{print $NF}' | openssl base64 -d -A > checkpoint.sig.bin
    tail -c 64 checkpoint.sig.bin > checkpoint.sig
    openssl pkeyutl -verify -pubin -inkey signing-key.pub.pem -rawin \
      -in checkpoint.body -sigfile checkpoint.sig
    head -c 4 checkpoint.sig.bin | od -An -tx1
    { printf '%s\n\001' "$(head -n 1 log/checkpoint.note)"
      openssl pkey -pubin -in signing-key.pub.pem -outform DER | tail -c 32
    } | openssl dgst -sha256 -binary | head -c 4 | od -An -tx1

   The last two commands print the same four bytes.
   - log/proofs.json gives, for every event of every exhibit's custody log, its leaf_index
     and an inclusion proof (base64 hashes, from the leaf up) against the checkpoint's
     tree_size and root. To check one, set DIR and SEQ as in step 3, and from the event's
     entry in log/proofs.json its leaf_index, the tree_size and the proof's hashes
     (RFC 9162, section 2.1.3.2):

    INDEX=<leaf_index> SIZE=<tree_size> PROOF="<proof hashes, separated by spaces>"
    node() {
      { printf '\001'; printf '%s' "$1" | openssl base64 -d -A
        printf '%s' "$2" | openssl base64 -d -A
      } | openssl dgst -sha256 -binary | openssl base64 -A
    }
    python3 -c 'import json, sys, rfc8785; \
      e = json.load(open(sys.argv[1]))[int(sys.argv[2]) - 1]; \
      sys.stdout.buffer.write(rfc8785.dumps({"event": e, "log": "custody"}))' \
      "$DIR/custody.json" "$SEQ" > leaf.json
    r=$({ printf '\000'; cat leaf.json; } | openssl dgst -sha256 -binary | openssl base64 -A)
    fn=$INDEX sn=$((SIZE - 1))
    for p in $PROOF; do
      if [ $((fn % 2)) -eq 1 ] || [ "$fn" -eq "$sn" ]; then
        r=$(node "$p" "$r")
        while [ $((fn % 2)) -eq 0 ] && [ "$fn" -ne 0 ]; do fn=$((fn / 2)) sn=$((sn / 2)); done
      else
        r=$(node "$r" "$p")
      fi
      fn=$((fn / 2)) sn=$((sn / 2))
    done
    if [ "$r" = "$(sed -n 3p log/checkpoint.note)" ] && [ "$sn" -eq 0 ]; then
      echo "inclusion proof OK"; else echo "inclusion proof FAILED"; fi

   - log/earlier/*.note are the checkpoints that earlier bundles of this case were cut
     against, signed the same way. For each, "earlier" in log/proofs.json gives a
     consistency proof (RFC 9162, section 2.1.4.2) that the newest tree extends it: the
     history a lawyer already holds was appended to, never replaced.
   - log/checkpoint.tsr and log/earlier/*.tsr, present when the force uses a time-stamping
     authority (TSA), are RFC 3161 time-stamp responses over the exact bytes of the .note
     beside each: the TSA signed that it saw those bytes at the time it states. Check them
     with the TSA's CA certificate, obtained from the TSA:

    TSA_CA=<the TSA's CA certificate, PEM>
    for t in log/checkpoint.tsr log/earlier/*.tsr; do
      [ -f "$t" ] && openssl ts -verify -data "${t%.tsr}.note" -in "$t" -CAfile "$TSA_CA"
    done

   A bundle exported before the log existed has no log/ folder; its digests, signature and
   custody chains still verify, and bundle-verify says that its log proofs are absent.
"""
