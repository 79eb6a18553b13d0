//! Text normalisation shared by every import format and by duplicate detection.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// NFC with every run of white space (including line breaks) folded to one
/// space and the ends trimmed: the form in which question text is stored.
pub fn clean(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    let mut out = String::with_capacity(nfc.len());
    for word in nfc.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Plain text of an HTML fragment (Moodle writes question text as HTML):
/// tags dropped, line breaks and paragraphs as spaces, the common entities
/// decoded. The result is cleaned as every stored text is.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        match rest[i..].find('>') {
            Some(j) => {
                out.push(' ');
                rest = &rest[i + j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    let mut decoded = String::with_capacity(out.len());
    let mut it = out.split('&');
    decoded.push_str(it.next().unwrap_or(""));
    for part in it {
        let (entity, tail) = match part.split_once(';') {
            Some((e, t)) if e.len() <= 8 => (e, t),
            _ => {
                decoded.push('&');
                decoded.push_str(part);
                continue;
            }
        };
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "nbsp" => Some(' '),
            e if e.starts_with("#x") || e.starts_with("#X") => {
                u32::from_str_radix(&e[2..], 16).ok().and_then(char::from_u32)
            }
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => {
                decoded.push(c);
                decoded.push_str(tail);
            }
            None => {
                decoded.push('&');
                decoded.push_str(part);
            }
        }
    }
    clean(&decoded)
}

/// Lower case without diacritics (đ → d): for matching header names, topic
/// names and keywords typed in any way.
pub fn fold(s: &str) -> String {
    let lower = clean(s).to_lowercase();
    lower
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// The key under which two questions count as duplicates: NFC, lower case,
/// punctuation dropped, spaces folded. Diacritics stay: in Vietnamese they
/// change the meaning.
pub fn duplicate_key(s: &str) -> String {
    let lower = clean(s).to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut space = false;
    for c in lower.chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

/// Parses a number as organisers write it: `96`, `96.5`, `96,5`, ` 1 000 `.
pub fn parse_number(s: &str) -> Option<f64> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return None;
    }
    let normalised = if compact.contains(',') && !compact.contains('.') {
        compact.replace(',', ".")
    } else {
        compact
    };
    normalised.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Formats a number without a trailing `.0`, so `23041.0` reads `23041`.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Normalises a login: an e-mail in lower case, or a phone number as digits
/// with a leading 0 (+84 912… → 0912…). Returns an error in Vietnamese.
pub fn normalize_login(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.contains('@') {
        let lower = t.to_lowercase();
        let ok = lower
            .split_once('@')
            .map(|(u, d)| !u.is_empty() && d.contains('.') && !d.starts_with('.'))
            .unwrap_or(false)
            && !lower.contains(char::is_whitespace);
        return if ok {
            Ok(lower)
        } else {
            Err("Địa chỉ e-mail không hợp lệ".into())
        };
    }
    let digits: String = t
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let digits = match digits.strip_prefix("+84") {
        Some(rest) => format!("0{rest}"),
        None => digits,
    };
    if digits.len() >= 9
        && digits.len() <= 11
        && digits.starts_with('0')
        && digits.chars().all(|c| c.is_ascii_digit())
    {
        Ok(digits)
    } else {
        Err("Số điện thoại hoặc e-mail không hợp lệ".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            html_to_text("<p>Moodle is <span style=\"x\">an <b>acronym</b></span>.</p><br/>A &amp; B &lt;3 &#273;&#x1EA1;o"),
            "Moodle is an acronym . A & B <3 đạo"
        );
        assert_eq!(html_to_text("AT&T; 5 < 6"), "AT&T; 5 < 6");
    }

    #[test]
    fn clean_folds_space_and_composes() {
        // "Hà Nội" in NFD with a line break inside.
        let nfd = "Ha\u{300}  N\u{1ed9}i\r\n  thu\u{309} \u{111}o\u{302}";
        assert_eq!(clean(nfd), "Hà Nội thủ đô");
    }

    #[test]
    fn fold_drops_diacritics() {
        assert_eq!(fold("  Câu HỎI "), "cau hoi");
        assert_eq!(fold("Đáp án"), "dap an");
        assert_eq!(fold("Mức độ"), "muc do");
    }

    #[test]
    fn duplicate_key_ignores_punctuation_and_case() {
        assert_eq!(
            duplicate_key("Chỉ thị 24 ban hành ngày nào?"),
            duplicate_key("  chỉ thị 24, ban hành   ngày nào ")
        );
        assert_ne!(duplicate_key("Bạn"), duplicate_key("Ban"));
    }

    #[test]
    fn numbers_as_written() {
        assert_eq!(parse_number("96,5"), Some(96.5));
        assert_eq!(parse_number(" 23 041 "), Some(23041.0));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(format_number(23041.0), "23041");
        assert_eq!(format_number(0.25), "0.25");
    }
}
