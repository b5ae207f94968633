"""orgwarden's local harness: what the demo, the tests and the benchmarks run on (a simulated
organization on moto's server, its incidents and seeded estates, moto additions and stand-ins for
what moto lacks, and the generator of the templates' rule-derived parts). It may import every
wing of orgwarden; nothing in orgwarden imports it, and no Lambda package contains it."""
