//! Texts to phones through Naver Cloud SENS (SMS API v2): the adapter
//! ([`sens`]) and a local stand-in speaking the same protocol and checking
//! its signatures ([`fake`]), for the demo and the tests.

pub mod fake;
pub mod sens;

pub use sens::{Sens, SensSettings, SmsError};
