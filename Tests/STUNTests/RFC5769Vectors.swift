// RFC5769Vectors.swift — test fixtures: the STUN test vectors of RFC 5769.
//
// The byte arrays are the four figures of RFC 5769 ("Test Vectors for Session Traversal Utilities
// for NAT (STUN)", R. Denis-Courmont, April 2010), sections 2.1–2.4, byte for byte, including the
// padding the RFC chose: 0x20 (space) in the first three messages, 0x00 in the fourth. Padding may
// take any value (RFC 5389 §15), but MESSAGE-INTEGRITY and FINGERPRINT cover the padding bytes, so
// an encoder that pads with zeros reproduces 2.1–2.3 only up to the padded attribute: compare its
// output with these arrays only when it is told to pad with 0x20, or compare decoded fields instead.
// Each figure was also checked against the RFC's Appendix A C strings, which restate the same bytes.
//
// Code Components extracted from RFC 5769: Copyright (c) 2010 IETF Trust and the persons identified
// as the document authors. All rights reserved. Simplified BSD License (IETF Trust Legal
// Provisions, Section 4.e), provided without warranty.
//
// Checked before commit with a throwaway Python script (zlib, hmac, hashlib) over these exact arrays:
// every array's length is 20 + its header's message-length field; every attribute's TLV length,
// padding to 4 bytes and end offset are consistent; each FINGERPRINT equals CRC-32 over the message
// before it (header length set to end just after FINGERPRINT) XOR 0x5354554e; each MESSAGE-INTEGRITY
// equals HMAC-SHA1 over the message before it (header length set to end just after
// MESSAGE-INTEGRITY), keyed with the password bytes (2.1–2.3) or MD5(username ":" realm ":" password)
// (2.4). All four vectors verify as published: 2.1 (MI + FP), 2.2 (MI + FP), 2.3 (MI + FP), 2.4 (MI;
// it has no FINGERPRINT). The XOR-MAPPED-ADDRESS values decode to the addresses the RFC states.
//
// Errata. No erratum against RFC 5769 itself turned up in the references consulted, and none was
// needed: every vector above verifies unchanged. The known erratum is against RFC 8489 (STUN, 2020),
// whose Appendix B.1 builds a new long-term-credential vector from 2.4's parameters (same
// transaction ID, username, realm and "TheMatrIX" password, with the nonce cookie
// "obMatJos2AAAC" prefixed to the nonce) but adds USERHASH and MESSAGE-INTEGRITY-SHA256. libjuice's
// test/stun.c says "The test vector in RFC 8489 is completely wrong" and tests the corrected bytes
// from Verified Erratum 6268 (https://www.rfc-editor.org/errata/eid6268): the header's message
// length 0x9c was the whole message's size rather than size − 20 (0x88 as printed, 0x90 once the
// next fix adds 8 bytes); the PASSWORD-ALGORITHM attribute (SHA-256, 0x0002) that selects a SHA-256
// key was missing; and the HMAC-SHA256 value was wrong (the erratum's recomputed value, b5 c7 bf 00
// 5b 6c 52 a2 ..., was reproduced in Python with key SHA-256(username:realm:password)). This file
// holds only RFC 5769's vectors, so nothing here is patched; a future RFC 8489 B.1 fixture must use
// the erratum's bytes, not the RFC's.

/// RFC 5769 test vectors (data from the RFC; see the comment about errata).
enum RFC5769 {
    // MARK: - Shared by 2.1–2.3

    /// Transaction ID shared by the sample request and both sample responses (2.1–2.3).
    static let transactionID: [UInt8] = [
        0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
    ]

    /// The STUN magic cookie, 0x2112A442, as it sits at bytes 4–7 of every vector.
    static let magicCookie: [UInt8] = [0x21, 0x12, 0xa4, 0x42]

    /// FINGERPRINT is CRC-32 of the preceding bytes XOR this value ("STUN").
    static let fingerprintXOR: UInt32 = 0x5354_554e

    // MARK: - 2.1 Sample Request (short-term credentials, ICE connectivity check)

    /// 2.1: Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY and
    /// FINGERPRINT. 108 bytes; header length 88. USERNAME is padded with 0x20.
    static let sampleRequest: [UInt8] = [
        0x00, 0x01, 0x00, 0x58,  // Binding request, message length 88 (0x58)
        0x21, 0x12, 0xa4, 0x42,  // magic cookie
        0xb7, 0xe7, 0xa7, 0x01,  // transaction ID
        0xbc, 0x34, 0xd6, 0x86,
        0xfa, 0x87, 0xdf, 0xae,
        0x80, 0x22, 0x00, 0x10,  // SOFTWARE, length 16
        0x53, 0x54, 0x55, 0x4e,  // "STUN test client" (16 bytes, no padding)
        0x20, 0x74, 0x65, 0x73,
        0x74, 0x20, 0x63, 0x6c,
        0x69, 0x65, 0x6e, 0x74,
        0x00, 0x24, 0x00, 0x04,  // PRIORITY, length 4
        0x6e, 0x00, 0x01, 0xff,  // priority 0x6e0001ff
        0x80, 0x29, 0x00, 0x08,  // ICE-CONTROLLED, length 8
        0x93, 0x2f, 0xf9, 0xb1,  // tie-breaker 0x932ff9b151263b36
        0x51, 0x26, 0x3b, 0x36,
        0x00, 0x06, 0x00, 0x09,  // USERNAME, length 9
        0x65, 0x76, 0x74, 0x6a,  // "evtj:h6vY" (9 bytes) ...
        0x3a, 0x68, 0x36, 0x76,
        0x59, 0x20, 0x20, 0x20,  // ... "Y" + three 0x20 padding bytes
        0x00, 0x08, 0x00, 0x14,  // MESSAGE-INTEGRITY, length 20
        0x9a, 0xea, 0xa7, 0x0c,  // HMAC-SHA1 (20 bytes)
        0xbf, 0xd8, 0xcb, 0x56,
        0x78, 0x1e, 0xf2, 0xb5,
        0xb2, 0xd3, 0xf2, 0x49,
        0xc1, 0xb5, 0x71, 0xa2,
        0x80, 0x28, 0x00, 0x04,  // FINGERPRINT, length 4
        0xe5, 0x7a, 0x3b, 0xcf,  // CRC-32 ^ 0x5354554e
    ]
    static let sampleRequestUsername = "evtj:h6vY"
    static let sampleRequestPassword = "VOkJxbRl1RmTxUk/WvJxBt"
    static let sampleRequestSoftware = "STUN test client"
    /// PRIORITY value (ICE candidate priority) carried by 2.1.
    static let sampleRequestPriority: UInt32 = 0x6e00_01ff
    /// ICE-CONTROLLED tie-breaker carried by 2.1, as a number and as its 8 wire bytes.
    static let sampleRequestTieBreaker: UInt64 = 0x932f_f9b1_5126_3b36
    static let sampleRequestTieBreakerBytes: [UInt8] = [0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36]
    /// MESSAGE-INTEGRITY (HMAC-SHA1) and FINGERPRINT values of 2.1.
    static let sampleRequestMessageIntegrity: [UInt8] = [
        0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e,
        0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2,
    ]
    static let sampleRequestFingerprint: UInt32 = 0xe57a_3bcf

    // MARK: - 2.2 Sample IPv4 Response

    /// 2.2: Binding success response with SOFTWARE, XOR-MAPPED-ADDRESS (192.0.2.1:32853),
    /// MESSAGE-INTEGRITY and FINGERPRINT. 80 bytes; header length 60. SOFTWARE is padded with 0x20.
    static let sampleIPv4Response: [UInt8] = [
        0x01, 0x01, 0x00, 0x3c,  // Binding success response, message length 60 (0x3c)
        0x21, 0x12, 0xa4, 0x42,  // magic cookie
        0xb7, 0xe7, 0xa7, 0x01,  // transaction ID
        0xbc, 0x34, 0xd6, 0x86,
        0xfa, 0x87, 0xdf, 0xae,
        0x80, 0x22, 0x00, 0x0b,  // SOFTWARE, length 11
        0x74, 0x65, 0x73, 0x74,  // "test vector" (11 bytes) ...
        0x20, 0x76, 0x65, 0x63,
        0x74, 0x6f, 0x72, 0x20,  // ... "tor" + one 0x20 padding byte
        0x00, 0x20, 0x00, 0x08,  // XOR-MAPPED-ADDRESS, length 8
        0x00, 0x01, 0xa1, 0x47,  // family 0x01 (IPv4), X-Port 0xa147
        0xe1, 0x12, 0xa6, 0x43,  // X-Address
        0x00, 0x08, 0x00, 0x14,  // MESSAGE-INTEGRITY, length 20
        0x2b, 0x91, 0xf5, 0x99,  // HMAC-SHA1 (20 bytes)
        0xfd, 0x9e, 0x90, 0xc3,
        0x8c, 0x74, 0x89, 0xf9,
        0x2a, 0xf9, 0xba, 0x53,
        0xf0, 0x6b, 0xe7, 0xd7,
        0x80, 0x28, 0x00, 0x04,  // FINGERPRINT, length 4
        0xc0, 0x7d, 0x4c, 0x96,  // CRC-32 ^ 0x5354554e
    ]

    // MARK: - 2.3 Sample IPv6 Response

    /// 2.3: as 2.2 but XOR-MAPPED-ADDRESS holds [2001:db8:1234:5678:11:2233:4455:6677]:32853.
    /// 92 bytes; header length 72. SOFTWARE is padded with 0x20.
    static let sampleIPv6Response: [UInt8] = [
        0x01, 0x01, 0x00, 0x48,  // Binding success response, message length 72 (0x48)
        0x21, 0x12, 0xa4, 0x42,  // magic cookie
        0xb7, 0xe7, 0xa7, 0x01,  // transaction ID
        0xbc, 0x34, 0xd6, 0x86,
        0xfa, 0x87, 0xdf, 0xae,
        0x80, 0x22, 0x00, 0x0b,  // SOFTWARE, length 11
        0x74, 0x65, 0x73, 0x74,  // "test vector" (11 bytes) ...
        0x20, 0x76, 0x65, 0x63,
        0x74, 0x6f, 0x72, 0x20,  // ... "tor" + one 0x20 padding byte
        0x00, 0x20, 0x00, 0x14,  // XOR-MAPPED-ADDRESS, length 20
        0x00, 0x02, 0xa1, 0x47,  // family 0x02 (IPv6), X-Port 0xa147
        0x01, 0x13, 0xa9, 0xfa,  // X-Address (16 bytes)
        0xa5, 0xd3, 0xf1, 0x79,
        0xbc, 0x25, 0xf4, 0xb5,
        0xbe, 0xd2, 0xb9, 0xd9,
        0x00, 0x08, 0x00, 0x14,  // MESSAGE-INTEGRITY, length 20
        0xa3, 0x82, 0x95, 0x4e,  // HMAC-SHA1 (20 bytes)
        0x4b, 0xe6, 0x7b, 0xf1,
        0x17, 0x84, 0xc9, 0x7c,
        0x82, 0x92, 0xc2, 0x75,
        0xbf, 0xe3, 0xed, 0x41,
        0x80, 0x28, 0x00, 0x04,  // FINGERPRINT, length 4
        0xc8, 0xfb, 0x0b, 0x4c,  // CRC-32 ^ 0x5354554e
    ]

    // MARK: - Values shared by 2.2 and 2.3

    static let responsePassword = "VOkJxbRl1RmTxUk/WvJxBt"
    static let responseSoftware = "test vector"
    /// Mapped port of both responses (X-Port 0xa147 XOR 0x2112).
    static let mappedPort: UInt16 = 32853
    static let mappedIPv4Address = "192.0.2.1"
    static let mappedIPv4AddressBytes: [UInt8] = [192, 0, 2, 1]
    static let mappedIPv6Address = "2001:db8:1234:5678:11:2233:4455:6677"
    static let mappedIPv6AddressBytes: [UInt8] = [
        0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
    ]
    /// The XOR-MAPPED-ADDRESS attribute values (after the 4-byte attribute header) as sent.
    static let xorMappedIPv4Value: [UInt8] = [
        0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    ]
    static let xorMappedIPv6Value: [UInt8] = [
        0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3,
        0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
    ]
    static let sampleIPv4ResponseMessageIntegrity: [UInt8] = [
        0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74,
        0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
    ]
    static let sampleIPv4ResponseFingerprint: UInt32 = 0xc07d_4c96
    static let sampleIPv6ResponseMessageIntegrity: [UInt8] = [
        0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84,
        0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
    ]
    static let sampleIPv6ResponseFingerprint: UInt32 = 0xc8fb_0b4c

    // MARK: - 2.4 Sample Request with Long-Term Authentication

    /// 2.4: Binding request with USERNAME, NONCE, REALM and MESSAGE-INTEGRITY (long-term credentials;
    /// no FINGERPRINT). 116 bytes; header length 96. Padding bytes are 0x00.
    static let longTermRequest: [UInt8] = [
        0x00, 0x01, 0x00, 0x60,  // Binding request, message length 96 (0x60)
        0x21, 0x12, 0xa4, 0x42,  // magic cookie
        0x78, 0xad, 0x34, 0x33,  // transaction ID
        0xc6, 0xad, 0x72, 0xc0,
        0x29, 0xda, 0x41, 0x2e,
        0x00, 0x06, 0x00, 0x12,  // USERNAME, length 18
        0xe3, 0x83, 0x9e, 0xe3,  // UTF-8 of U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9 ...
        0x83, 0x88, 0xe3, 0x83,
        0xaa, 0xe3, 0x83, 0x83,
        0xe3, 0x82, 0xaf, 0xe3,
        0x82, 0xb9, 0x00, 0x00,  // ... + two 0x00 padding bytes
        0x00, 0x15, 0x00, 0x1c,  // NONCE, length 28
        0x66, 0x2f, 0x2f, 0x34,  // "f//499k954d6OL34oL9FSTvy64sA" (28 bytes, no padding)
        0x39, 0x39, 0x6b, 0x39,
        0x35, 0x34, 0x64, 0x36,
        0x4f, 0x4c, 0x33, 0x34,
        0x6f, 0x4c, 0x39, 0x46,
        0x53, 0x54, 0x76, 0x79,
        0x36, 0x34, 0x73, 0x41,
        0x00, 0x14, 0x00, 0x0b,  // REALM, length 11
        0x65, 0x78, 0x61, 0x6d,  // "example.org" (11 bytes) ...
        0x70, 0x6c, 0x65, 0x2e,
        0x6f, 0x72, 0x67, 0x00,  // ... "org" + one 0x00 padding byte
        0x00, 0x08, 0x00, 0x14,  // MESSAGE-INTEGRITY, length 20
        0xf6, 0x70, 0x24, 0x65,  // HMAC-SHA1 (20 bytes); this vector has no FINGERPRINT
        0x6d, 0xd6, 0x4a, 0x3e,
        0x02, 0xb8, 0xe0, 0x71,
        0x2e, 0x85, 0xc9, 0xa2,
        0x8c, 0xa8, 0x96, 0x66,
    ]
    /// Transaction ID of 2.4 (differs from 2.1–2.3).
    static let longTermTransactionID: [UInt8] = [
        0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e,
    ]
    /// "マトリックス"; SASLprep leaves it unchanged. 18 bytes of UTF-8.
    static let longTermUsername = "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}"
    /// The password after SASLprep, which is what the key is built from.
    static let longTermPassword = "TheMatrIX"
    /// The password as given before SASLprep: "The<U+00AD>M<U+00AA>tr<U+2168>" (soft hyphen is
    /// mapped to nothing, U+00AA to "a", U+2168 ROMAN NUMERAL NINE to "IX" by NFKC).
    static let longTermPasswordBeforeSASLprep = "The\u{00AD}M\u{00AA}tr\u{2168}"
    static let longTermNonce = "f//499k954d6OL34oL9FSTvy64sA"
    static let longTermRealm = "example.org"
    /// The long-term key, MD5(username ":" realm ":" password) over the UTF-8 bytes; computed for
    /// this fixture (the RFC does not print it) and checked by verifying 2.4's MESSAGE-INTEGRITY.
    static let longTermKey: [UInt8] = [
        0xe8, 0xca, 0x7a, 0xd5, 0x9d, 0x5e, 0xb0, 0x51,
        0x8e, 0x31, 0x29, 0x11, 0xd2, 0xda, 0xb2, 0xa9,
    ]
    static let longTermMessageIntegrity: [UInt8] = [
        0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e, 0x02, 0xb8,
        0xe0, 0x71, 0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66,
    ]
}
