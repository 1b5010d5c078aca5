PeGroup32x32Packed.v
Requantizer32.v
DiffAccDatapath.v
