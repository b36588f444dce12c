// The seeded generator the tests draw from is the library's own (SXNumerics.SplitMix64),
// so the tests and the uncertainty sampler share one implementation.
@_exported import struct SXNumerics.SplitMix64
