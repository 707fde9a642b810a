#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reads a bounce from stdin with Python's email package, a MIME reader
Pochta did not write, and prints what it found, one fact a line, so that
the C tests can compare it exactly (RFC 3464, RFC 6522)."""

import email
import email.policy
import sys


def main():
    message = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.compat32)
    print("content-type:", message.get_content_type())
    print("report-type:", message.get_param("report-type"))
    print("from:", message["From"])
    print("to:", message["To"])
    print("subject:", message["Subject"])
    print("defects:", len(message.defects))
    parts = message.get_payload()
    print("parts:", ", ".join(part.get_content_type() for part in parts))
    for part in parts:
        if part.get_content_type() == "message/delivery-status":
            # The email package parses each group of fields as a message
            # of its own: the per-message group first (RFC 3464 §2.1).
            groups = part.get_payload()
            print("reporting-mta:", groups[0]["Reporting-MTA"])
            for group in groups[1:]:
                print("recipient:", " | ".join(
                    str(group[name]) for name in
                    ("Final-Recipient", "Action", "Status", "Remote-MTA", "Diagnostic-Code")))
        elif part.get_content_type() in ("text/rfc822-headers", "message/rfc822"):
            original = part.get_payload()
            if isinstance(original, list):
                original = original[0]
                print("original-subject:", original["Subject"])
            else:
                headers = email.message_from_string(original)
                print("original-subject:", headers["Subject"])


if __name__ == "__main__":
    main()
