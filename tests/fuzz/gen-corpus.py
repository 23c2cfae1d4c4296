#!/usr/bin/env python3
# tests/fuzz/gen-corpus.py - (re)write the seed corpora in tests/fuzz/corpus/ (run from anywhere).
# The seeds are small real messages and documents: DNS queries and answers built here byte by
# byte (the same shapes dig and the upstreams send), the configs of tests/config/, and the
# JSON bodies of doc/mirror-protocol.md. Not part of the build; the files are committed.
import os, struct, subprocess, sys, base64

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
C = os.path.join(HERE, "corpus")

def put(target, name, data):
    d = os.path.join(C, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def name(s, case=False):
    out = b""
    for lab in s.rstrip(".").split("."):
        if lab:
            out += bytes([len(lab)]) + lab.encode()
    return out + b"\0"

def hdr(id_, flags, qd, an, ns, ar):
    return struct.pack("!HHHHHH", id_, flags, qd, an, ns, ar)

def opt(size=1232, do=False, version=0, options=b""):
    return b"\0" + struct.pack("!HHIH", 41, size, (version << 16) | (0x8000 if do else 0), len(options)) + options

def rr(owner, typ, ttl, rdata, cls=1):
    return owner + struct.pack("!HHIH", typ, cls, ttl, len(rdata)) + rdata

def query(qn, qt, edns=True, do=False, flags=0x0100, id_=0x1234, version=0, cookie=False):
    options = b""
    if cookie:
        options = struct.pack("!HH", 10, 8) + b"\x01\x02\x03\x04\x05\x06\x07\x08"
    q = hdr(id_, flags, 1, 0, 0, 1 if edns else 0) + name(qn) + struct.pack("!HH", qt, 1)
    if edns:
        q += opt(4096 if do else 1232, do, version, options)
    return q

A, NS, CNAME, SOA, MX, TXT, AAAA, SRV, TLSA, HTTPS, CAA = 1, 2, 5, 6, 15, 16, 28, 33, 52, 65, 257
PTR = b"\xc0\x0c"

def answer(qn, qt, rrs=(), auth=(), rcode=0, edns=True, tc=False, id_=0x1234):
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    m = hdr(id_, flags, 1, len(rrs), len(auth), 1 if edns else 0) + name(qn) + struct.pack("!HH", qt, 1)
    for r in rrs:
        m += r
    for r in auth:
        m += r
    if edns:
        m += opt()
    return m

def soa(zone, ttl=3600, minimum=300):
    rd = name("ns1." + zone) + name("hostmaster." + zone) + struct.pack("!IIIII", 2024010101, 7200, 3600, 1209600, minimum)
    return rr(name(zone), SOA, ttl, rd)

def ip4(s):
    return bytes(int(x) for x in s.split("."))

def ip6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed

WWW = "www.example.com"

# --- dnsquery: client queries ---
put("dnsquery", "a-edns", query(WWW, A))
put("dnsquery", "aaaa-do", query(WWW, AAAA, do=True))
put("dnsquery", "a-noedns", query("Example.COM", A, edns=False))
put("dnsquery", "https-cookie", query("example.org", HTTPS, cookie=True))
put("dnsquery", "axfr", query("example.com", 252, edns=False))
put("dnsquery", "badvers", query(WWW, A, version=1))
put("dnsquery", "notify-opcode", query(WWW, SOA, flags=0x2000 | 0x0100))
put("dnsquery", "root-ns", query(".", NS))
put("dnsquery", "two-questions", hdr(1, 0x100, 2, 0, 0, 0) + name(WWW) + struct.pack("!HH", 1, 1) + name("a.b") + struct.pack("!HH", 1, 1))
put("dnsquery", "long-name", query(".".join(["a" * 63] * 3 + ["b" * 61]), TXT))
put("dnsquery", "cd-bit", query(WWW, A, flags=0x0110))

# --- dnsanswer: upstream answers to www.example.com A ---
a1 = rr(PTR, A, 300, ip4("93.184.216.34"))
a2 = rr(PTR, A, 60, ip4("93.184.216.35"))
put("dnsanswer", "a-two", answer(WWW, A, [a1, a2]))
put("dnsanswer", "a-noedns", answer(WWW, A, [a1], edns=False))
put("dnsanswer", "cname-chain", answer(WWW, A, [rr(PTR, CNAME, 300, name("www.example.com.cdn.example.net")),
    rr(b"\xc0\x2d", A, 20, ip4("203.0.113.7"))]))
put("dnsanswer", "nxdomain-soa", answer(WWW, A, [], [soa("example.com")], rcode=3))
put("dnsanswer", "nodata-soa", answer(WWW, A, [], [soa("example.com", 900, 60)]))
put("dnsanswer", "nodata-nosoa", answer(WWW, A, []))
put("dnsanswer", "servfail", answer(WWW, A, [], rcode=2))
put("dnsanswer", "truncated", answer(WWW, A, [a1], tc=True)[:-15])
put("dnsanswer", "ttl-topbit", answer(WWW, A, [rr(PTR, A, 0x80000001, ip4("93.184.216.34"))]))
put("dnsanswer", "mx-compressed", answer(WWW, MX, [rr(PTR, MX, 300, struct.pack("!H", 10) + b"\x04mail\xc0\x10")]))
put("dnsanswer", "many-a", answer(WWW, A, [rr(PTR, A, 300, bytes([192, 0, 2, i])) for i in range(40)]))

# --- answer: a control byte (qtype index, flatten, age), then an upstream answer (answer.c) ---
evil = name("evil.example.net")
for ctl, nm, msg in [
    (0x00, "a-two", answer(WWW, A, [a1, a2])),
    (0x00, "cname-chain", answer(WWW, A, [rr(PTR, CNAME, 300, name("www.example.com.cdn.example.net")),
        rr(b"\xc0\x2d", A, 20, ip4("203.0.113.7"))])),
    (0x18, "cname-chain-flat-aged", answer(WWW, A, [rr(PTR, CNAME, 300, name("www.example.com.cdn.example.net")),
        rr(b"\xc0\x2d", A, 20, ip4("203.0.113.7"))])),
    (0x00, "data-beside-cname", answer(WWW, A, [a1, rr(PTR, CNAME, 300, evil), rr(evil, A, 300, ip4("45.33.32.156"))])),
    (0x00, "unrelated-owner", answer(WWW, A, [a1, rr(name("zz.example.com"), CNAME, 300, evil), rr(evil, A, 300, ip4("45.33.32.156"))])),
    (0x00, "nxdomain-with-data", answer(WWW, A, [a1], [soa("example.com")], rcode=3)),
    (0x00, "nodata-foreign-soa", answer(WWW, A, [], [soa("evil.example"), soa("example.com", 900, 60)])),
    (0x00, "yxdomain", answer(WWW, A, [a1], rcode=6)),
    (0x01, "aaaa", answer(WWW, AAAA, [rr(PTR, AAAA, 300, ip6("2001:db8::1"))])),
    (0x02, "cname-asked", answer(WWW, CNAME, [rr(PTR, CNAME, 300, evil)])),
]:
    put("answer", nm, bytes([ctl]) + msg)

# --- consensus: 3 control bytes, then answers ---
for i, (c0, c1, c2, wire) in enumerate([
        (0x00, 0x02, 0, answer(WWW, A, [a1, a2])),
        (0x00, 0x32, 0, answer(WWW, A, [rr(PTR, A, 300, ip4("10.0.0.1"))])),
        (0x01, 0x14, 0, answer(WWW, AAAA, [rr(PTR, AAAA, 300, ip6("2400:cb00::1"))])),
        (0x00, 0x25, 128, answer(WWW, A, [a1]) + answer(WWW, A, [rr(PTR, A, 300, ip4("93.184.216.99"))])),
        (0x00, 0x13, 0, answer(WWW, A, [rr(PTR, CNAME, 300, name("edge.cdn.example.net")),
            rr(b"\xc0\x2d", A, 20, ip4("203.0.113.7"))])),
        (0x00, 0x02, 0, answer(WWW, A, [], [soa("example.com")], rcode=3)),
        (0x04, 0x02, 0, answer(WWW, TLSA, [rr(PTR, TLSA, 300, b"\x02\x00\x01" + bytes(range(32)))])),
        (0x06, 0x02, 0, answer(WWW, CAA, [rr(PTR, CAA, 300, b"\x00\x05issueletsencrypt.org")])),
        (0x05, 0x02, 0, answer(WWW, HTTPS, [rr(PTR, HTTPS, 300, b"\x00\x01\x00" + struct.pack("!HH", 1, 3) + b"\x02h2")])),
        (0x00, 0x02, 0, answer(WWW, A, [rr(PTR, CNAME, 300, name(WWW))])),
        (0x18, 0xff, 0, answer(WWW, A, [a1, rr(PTR, A, 300, ip4("93.184.217.1"))])),
        ]):
    put("consensus", "seed-%02d" % i, bytes([c0, c1, c2]) + wire)

# --- mirror_http: query strings, content types, report bodies ---
b64 = base64.urlsafe_b64encode(query(WWW, A, edns=False)).rstrip(b"=").decode()
put("mirror_http", "dns-get", "dns=" + b64)
put("mirror_http", "dns-get-extra", "ct=x&dns=" + b64 + "&z=1")
put("mirror_http", "dns-twice", "dns=" + b64 + "&dns=" + b64)
put("mirror_http", "ct-dns", "application/dns-message; charset=binary")
put("mirror_http", "ct-json", " application/JSON ;x=y")
put("mirror_http", "observe", "name=www.example.com&ip=93.184.216.34&port=443")
put("mirror_http", "observe-v6", "name=example.org.&ip=2001:db8::1")
H = "ab" * 32
put("mirror_http", "report", '{"version":1,\n "question":{"name":"www.example.com.","type":"AAAA"},\n "results":[\n'
    '  {"mirror":"%s","digest":"%s","outcome":"agree"},\n  {"mirror":"%s","digest":"%s","outcome":"dissent"},\n'
    '  {"mirror":"%s","outcome":"timeout"}]}\n' % ("01" * 32, H, "02" * 32, H, "03" * 32))
put("mirror_http", "report-bad", '{"version":1,"question":{"name":"x","type":"TYPE65"},"results":[{"mirror":"%s","outcome":"error","digest":null}]}' % ("0f" * 32))
put("mirror_http", "report-yaml", 'version: 1\nquestion: {name: a.b, type: A}\nresults:\n - {mirror: "%s", outcome: timeout}\n' % ("aa" * 32))

# --- http_client: control byte + a mirror's responses (4 requests: mirrors, dns, health, mirrors) ---
try:
    pem = subprocess.run(["openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", "/dev/null",
        "-subj", "/CN=vantage-mirror CA", "-days", "3650"], capture_output=True, check=True).stdout.decode()
except Exception:
    pem = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
pem_json = pem.replace("\n", "\\n")
mirrors = ('{"version":1,"mirrors":[\n {"id":"%s","name":"m-eu","address":"198.51.100.7","port":443,"region":"eu",\n'
    '  "state":"self","ca_pem":"%s",\n  "reports":{"agree":1,"dissent":0,"timeout":0,"error":0}},\n'
    ' {"id":"%s","name":"m-us","address":"2001:db8::7","port":8443,"region":"us","state":"active","ca_pem":null}]}\n') % (H, pem_json, "cd" * 32)
def resp(status, body, ct="application/json", extra="", cl=True):
    if isinstance(body, str):
        body = body.encode()
    h = "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%s" % (status, "OK" if status == 200 else "X", ct, extra)
    if cl:
        h += "Content-Length: %d\r\n" % len(body)
    return h.encode() + b"\r\n" + body
dns = answer(WWW, A, [a1])
health = '{"status":"ok","version":"0.1.0","protocol":1}\n'
for i, (c0, data) in enumerate([
        (0x00, resp(200, mirrors) + resp(200, dns, "application/dns-message") + resp(200, health) + resp(200, mirrors)),
        (0x01, resp(200, mirrors) + resp(200, dns, "application/dns-message; x=y")),
        (0x0a, resp(200, mirrors) + resp(404, '{"error":"not-found","detail":"x"}') + resp(200, health)),
        (0x04, resp(200, mirrors) + resp(200, dns, "application/dns-message") + resp(200, health)),
        (0x13, resp(200, dns, "application/dns-message", cl=False)),
        (0x00, resp(200, mirrors, extra="Transfer-Encoding: chunked\r\n")),
        (0x02, b"HTTP/1.0 204 No Content\r\nX-A: b\r\n\r\n" + resp(100, "") + resp(200, "{}")),
        (0x03, resp(200, mirrors, cl=False)),
        ]):
    put("http_client", "seed-%02d" % i, bytes([c0]) + data)

# --- config: the golden configs and the shipped one ---
cfgdir = os.path.join(TOP, "tests", "config")
for f in sorted(os.listdir(cfgdir)):
    if f.endswith(".yaml"):
        put("config", "ok-" + f, open(os.path.join(cfgdir, f), "rb").read())
bad = os.path.join(cfgdir, "bad")
for f in sorted(os.listdir(bad))[:80]:
    if f.endswith(".yaml"):
        put("config", "bad-" + f, open(os.path.join(bad, f), "rb").read())
put("config", "etc-vantaged.yaml", open(os.path.join(TOP, "etc", "vantaged.yaml"), "rb").read())

# --- mirror_list: bootstrap files and inline lists ---
put("mirror_list", "bootstrap", '- { name: m1, address: "198.51.100.7:443", region: eu, ca_sha256: "%s" }\n'
    '- { name: quad9, address: "9.9.9.9:443", region: ch, verify: webpki, hostname: dns.quad9.net }\n'
    '- name: m6\n  address: "[2001:db8::1]:8443"\n  region: us\n  ca_sha256: "%s"\n' % (H, "CD" * 32))
put("mirror_list", "inline", 'list:\n  - { name: m1, address: "198.51.100.7", region: eu, ca_sha256: "%s", ca_pem: "%s" }\n' % (H, pem_json))
put("mirror_list", "bad-entry", '- { name: m1, address: "nope", region: eu }\n- [1, 2]\n- { unknown: 1 }\n')
print("corpus written to", C)
