//! The topic keys of Directive 24-CT/TU (see shared/docs/directive-topics.md).

use crate::text::fold;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Topic {
    pub key: &'static str,
    pub name: &'static str,
}

pub const TOPICS: &[Topic] = &[
    Topic {
        key: "ct24.tong-quan",
        name: "Tổng quan Chỉ thị 24-CT/TU",
    },
    Topic {
        key: "ct24.nv1",
        name: "Nhóm nhiệm vụ 1: Tuyên truyền, giáo dục",
    },
    Topic {
        key: "ct24.nv2",
        name: "Nhóm nhiệm vụ 2: Phương thức lãnh đạo, quản lý",
    },
    Topic {
        key: "ct24.nv3",
        name: "Nhóm nhiệm vụ 3: Chức năng, nhiệm vụ, bộ máy",
    },
    Topic {
        key: "ct24.nv4",
        name: "Nhóm nhiệm vụ 4: Công tác cán bộ",
    },
    Topic {
        key: "ct24.nv5",
        name: "Nhóm nhiệm vụ 5: Kiểm tra, giám sát",
    },
    Topic {
        key: "ct24.nv6",
        name: "Nhóm nhiệm vụ 6: Thi đua, đánh giá",
    },
    Topic {
        key: "ct24.phu-luc",
        name: "Phụ lục: 25 biểu hiện vi phạm",
    },
    Topic {
        key: "kh171",
        name: "Kế hoạch 171-KH/TU",
    },
    Topic {
        key: "trien-khai.hoi-nghi",
        name: "Hội nghị quán triệt, triển khai",
    },
    Topic {
        key: "trien-khai.dia-phuong",
        name: "Triển khai tại các địa phương",
    },
    Topic {
        key: "lien-quan",
        name: "Quy định, phương châm liên quan",
    },
];

/// Finds a topic by its key or its Vietnamese name, typed in any case and with
/// or without diacritics.
pub fn find(s: &str) -> Option<&'static Topic> {
    let wanted = fold(s);
    if wanted.is_empty() {
        return None;
    }
    TOPICS
        .iter()
        .find(|t| t.key == wanted || fold(t.name) == wanted)
}

pub fn name_of(key: &str) -> &str {
    TOPICS
        .iter()
        .find(|t| t.key == key)
        .map(|t| t.name)
        .unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_key_or_name() {
        assert_eq!(find("CT24.NV1").unwrap().key, "ct24.nv1");
        assert_eq!(find("ke hoach 171-kh/tu").unwrap().key, "kh171");
        assert!(find("ct24.nv9").is_none());
        assert!(find("").is_none());
    }
}
