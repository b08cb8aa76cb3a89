//! Payments: the provider interface the shop talks to, and its one adapter,
//! PortOne V2 (`portone`). The server never trusts a client's word that it
//! paid: it looks the payment up with the provider (status, amount,
//! currency, our payment id) before an order counts as paid, and takes the
//! provider's signed webhooks as a second path to the same check
//! (`webhook`). Refunds go through the provider's cancel call.
//!
//! The local fake provider (`fake-portone` in the workspace) speaks the same
//! API, so tests and the demo run this very code against it with another
//! base URL.

pub mod portone;
pub mod webhook;

pub use portone::PortOne;

/// Where a payment stands at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentState {
    /// Money taken.
    Paid,
    /// Given back (in full).
    Cancelled,
    /// Started but not completed (checkout open, virtual account issued).
    Pending,
    /// Declined or abandoned.
    Failed,
    /// A status this adapter does not know, as the provider spelled it.
    Other(String),
}

/// A payment as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Our payment id (the order id).
    pub id: String,
    pub state: PaymentState,
    /// The total in won.
    pub amount: i64,
    pub currency: String,
    /// The provider's store the payment belongs to.
    pub store_id: Option<String>,
}

/// Why a provider call failed.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider knows no payment of this id.
    #[error("the payment provider has no payment {0}")]
    NotFound(String),
    /// Cancelling a payment that is cancelled already.
    #[error("the payment is cancelled already")]
    AlreadyCancelled,
    /// Cancelling a payment that was never completed.
    #[error("the payment was not completed")]
    NotPaid,
    /// The provider refused the call (`kind` is its error type).
    #[error("the payment provider answered {status} {kind}: {message}")]
    Refused {
        status: u16,
        kind: String,
        message: String,
    },
    /// The provider could not be reached, or its answer could not be read.
    #[error("cannot reach the payment provider: {0}")]
    Unreachable(String),
}

impl From<ProviderError> for crate::Error {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::NotFound(_) | ProviderError::NotPaid => crate::Error::conflict(
                moa_protocol::ErrorCode::PaymentIncomplete,
                "the payment is not completed yet",
            ),
            other => crate::Error::Upstream(other.to_string()),
        }
    }
}
