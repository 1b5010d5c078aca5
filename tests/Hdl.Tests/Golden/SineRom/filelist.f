SineRom.v
