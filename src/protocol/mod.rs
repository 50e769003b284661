//! The Neuro-Synch Protocol, the Sanctuary and the Council: the simulation (`sim`), the council's
//! policy (`policy`) and the diversity meter (`diversity`), all plain data and functions.

pub mod diversity;
pub mod policy;
pub mod sim;
