DspWrapper.v
