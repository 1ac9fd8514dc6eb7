"""Writes one hostile .tar.gz for the archive tests: python3 make_hostile.py KIND OUTPUT [MARKER_DIR]

Python's tarfile is an independent writer, so these archives are built the way an attacker would
build them, not by the code under test. MARKER_DIR is an absolute folder the archive tries to write
into; the test checks afterwards that nothing appeared there.
"""
import gzip
import io
import sys
import tarfile


def add_file(tar, name, data=b"x", mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def add_link(tar, name, target, kind):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tar.addfile(info)


def many_entries(output, count):
    # Raw ustar headers from one template: tarfile's per-member overhead would make a million take half a minute.
    template = bytearray(tarfile.TarInfo("e/").tobuf(format=tarfile.USTAR_FORMAT))
    with gzip.open(output, "wb", compresslevel=1) as out:
        chunk = bytearray()
        for index in range(count):
            header = bytearray(template)
            name = f"e/{index}".encode()
            header[0:100] = name + b"\0" * (100 - len(name))
            header[148:156] = b" " * 8
            header[148:156] = b"%06o\0 " % sum(header)
            chunk += header
            if len(chunk) >= 1 << 20:
                out.write(chunk)
                chunk = bytearray()
        out.write(chunk + b"\0" * 1024)


def main():
    kind, output = sys.argv[1], sys.argv[2]
    marker = sys.argv[3] if len(sys.argv) > 3 else "/tmp/nomaly-never"
    if kind == "many-entries":
        many_entries(output, 1_000_000)
        return
    with tarfile.open(output, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        if kind == "absolute":
            add_file(tar, marker + "/absolute.txt")
        elif kind == "traversal":
            add_file(tar, "ok.txt")
            add_file(tar, "sub/../../" + "escaped.txt")
        elif kind == "symlink-escape":
            add_link(tar, "passwd", "/etc/passwd", tarfile.SYMTYPE)
        elif kind == "symlink-relative-escape":
            add_link(tar, "up", "../../../../../../etc", tarfile.SYMTYPE)
        elif kind == "symlink-chain-escape":
            add_link(tar, "here", ".", tarfile.SYMTYPE)
            add_link(tar, "out", "here/../escaped", tarfile.SYMTYPE)
        elif kind == "hardlink-escape":
            add_link(tar, "passwd", "/etc/passwd", tarfile.LNKTYPE)
        elif kind == "hardlink-traversal":
            add_link(tar, "passwd", "../../etc/passwd", tarfile.LNKTYPE)
        elif kind == "through-symlink":
            add_link(tar, "dir", marker, tarfile.SYMTYPE)
            add_file(tar, "dir/through.txt")
        elif kind == "through-inner-symlink":
            info = tarfile.TarInfo("real")
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
            add_link(tar, "alias", "real", tarfile.SYMTYPE)
            add_file(tar, "alias/file.txt")
        elif kind == "device":
            info = tarfile.TarInfo("null")
            info.type = tarfile.CHRTYPE
            info.devmajor, info.devminor = 1, 3
            tar.addfile(info)
        elif kind == "fifo":
            info = tarfile.TarInfo("pipe")
            info.type = tarfile.FIFOTYPE
            tar.addfile(info)
        elif kind == "duplicate":
            add_file(tar, "same.txt", b"first")
            add_file(tar, "same.txt", b"second")
        elif kind == "safe-links":
            info = tarfile.TarInfo("v1")
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
            add_file(tar, "v1/model.bin", b"weights")
            add_link(tar, "current", "v1", tarfile.SYMTYPE)
            add_link(tar, "v1/again.bin", "v1/model.bin", tarfile.LNKTYPE)
            add_link(tar, "v1/sibling", "../current/model.bin", tarfile.SYMTYPE)
        else:
            raise SystemExit(f"unknown kind {kind}")


main()
