//! The one error type of every server function: what the user sees, in
//! Vietnamese. Internals are logged on the server and never sent.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Bạn cần đăng nhập để tiếp tục")]
    Unauthorized,
    #[error("Bạn không có quyền thực hiện thao tác này")]
    Forbidden,
    #[error("Không tìm thấy")]
    NotFound,
    #[error("Bạn cần đổi mật khẩu trước khi tiếp tục")]
    MustChangePassword,
    #[error("Thao tác quá nhiều lần, vui lòng đợi một lát rồi thử lại")]
    TooManyRequests,
    #[error("{0}")]
    Invalid(String),
    #[error("Lỗi hệ thống, vui lòng thử lại sau")]
    Internal,
    #[error("Lỗi kết nối máy chủ: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => {
                AppError::Invalid(format!("Dữ liệu gửi lên không hợp lệ ({m})"))
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<hoithi_core::store::StoreError> for AppError {
    fn from(e: hoithi_core::store::StoreError) -> Self {
        use hoithi_core::store::StoreError;
        let status = crate::ssr::set_status;
        match e {
            StoreError::Invalid(m) => {
                status(http::StatusCode::UNPROCESSABLE_ENTITY);
                AppError::Invalid(m)
            }
            StoreError::NotFound => {
                status(http::StatusCode::NOT_FOUND);
                AppError::NotFound
            }
            other => {
                tracing::error!(error = %other, "storage failure");
                AppError::Internal
            }
        }
    }
}
