MacPe.v
MacArray16x16.v
