#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# An independent Maildir reader and writer for test-mail-store: Python's
# standard mailbox.Maildir, which nobody in Pochta wrote.
#
#   maildir-python.py read MAILDIR
#       One line per message, sorted by key:
#       key TAB subdir TAB flags TAB subject TAB hex of the file's bytes
#   maildir-python.py write MAILDIR FILE...
#       Adds each FILE's bytes as a message.  The first goes to cur/ with
#       the "S" flag (through MaildirMessage); the others are added as raw
#       bytes, so they land in new/ unchanged.  Prints the keys, in order.

import mailbox
import sys


def read(path):
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.keys()):
        message = box.get_message(key)
        data = box.get_bytes(key)
        subject = message["Subject"] or ""
        print("\t".join([key, message.get_subdir(), message.get_flags(),
                         subject, data.hex()]))


def write(path, files):
    box = mailbox.Maildir(path, factory=None, create=True)
    for index, name in enumerate(files):
        with open(name, "rb") as f:
            data = f.read()
        if index == 0:
            message = mailbox.MaildirMessage(data)
            message.set_subdir("cur")
            message.add_flag("S")
            key = box.add(message)
        else:
            key = box.add(data)
        print(key)


def main(argv):
    if len(argv) >= 3 and argv[1] == "read":
        read(argv[2])
    elif len(argv) >= 4 and argv[1] == "write":
        write(argv[2], argv[3:])
    else:
        sys.stderr.write("usage: maildir-python.py read MAILDIR | write MAILDIR FILE...\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
