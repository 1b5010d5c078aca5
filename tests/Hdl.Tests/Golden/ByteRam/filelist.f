ByteRam.v
