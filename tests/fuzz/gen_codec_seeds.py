#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_relay and fuzz_udpframe from wire-spec §15 vectors."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TUN = "03 00 14 4d 21 09 4e b7 4c 49 16 86 c1 d9 fa 36 ea 67 7b 00 00 00 01"
SEEDS = {
    "fuzz_relay": {
        "bind_req_tcp": "01 02 00 28 02 00 07 01 c0 a8 01 0a d0 ae 02 00 04 03 00 00 00 " + TUN,
        "bind_req_udp": "01 82 00 2d 04 00 02 00 01 02 00 07 01 c0 a8 01 0a d0 ae 02 00 04 03 00 00 00 " + TUN,
        "bind_reply": "01 00 00 2e 02 00 14 03 10 61 36 32 36 35 63 36 64 39 38 34 37 61 34 62 65 00 00 "
                      "03 00 14 34 64 af 8b 49 c5 42 4c 89 ea b4 e9 af 07 5a 7d 01 00 00 01",
        "udp_connect": "01 81 00 3c 04 00 02 00 01 02 00 07 01 7f 00 00 01 9c 40 "
                       "02 00 13 03 0f 64 6e 73 2e 73 72 76 2d 32 2e 6c 6f 63 61 6c 00 00 "
                       "03 00 14 ae de 1f 6a 76 2b 45 da b9 37 b6 63 23 56 55 5a 00 00 00 00",
        "stream_header": "01 00 00 1c 02 00 07 01 cb 00 71 07 c7 38 "
                         "02 00 0f 03 0b 65 78 61 6d 70 6c 65 2e 63 6f 6d 00 50",
        "ok": "01 00 00 00",
        "auth_v6_legacy": "01 01 00 36 01 00 06 01 75 03 70 77 64 02 00 13 04 20 01 0d b8 00 00 00 00 "
                          "00 00 00 00 00 00 00 01 01 bb 09 00 01 ff "
                          "03 00 10 ae de 1f 6a 76 2b 45 da b9 37 b6 63 23 56 55 5a",
    },
    "fuzz_udpframe": {
        "a_dns": "00 1d " + " ".join(["ab"] * 29) + " 00 00 00 02 01 02",
        "a_empty": "00 00",
        "b_ipv4": "00 03 ff 01 7f 00 00 01 00 35 61 62 63",
        "b_domain": "00 01 ff 03 01 78 00 50 7a",
    },
}

for target, seeds in SEEDS.items():
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, hexs in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes.fromhex(hexs.replace(" ", "")))
