//! Nothing here: see `benches/peer.rs`.
