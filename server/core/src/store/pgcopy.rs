//! PostgreSQL's binary `COPY … TO STDOUT (FORMAT binary)` stream, read tuple
//! by tuple as it arrives. A round's million attempts cross the wire as one
//! stream the server parses in place, instead of a million protocol rows
//! each decoded through sqlx (or packed into text by the database, which
//! cost PostgreSQL more than reading them).
//!
//! Format: an 11-byte signature, a 32-bit flags field and a header
//! extension (length-prefixed); then per tuple a 16-bit field count and,
//! per field, a 32-bit length (-1 for NULL) and that many bytes; a field
//! count of -1 ends the stream. Numbers are big-endian.

use super::{Result, StoreError};

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";
/// More fields than any statement here asks for is a stream not meant for us.
const MAX_FIELDS: usize = 16;

/// Reads the stream chunk by chunk: a tuple split across chunks waits for
/// the rest, so the chunking of the wire does not matter.
#[derive(Default)]
pub(crate) struct Tuples {
    pending: Vec<u8>,
    started: bool,
    ended: bool,
    /// Tuples seen, for a clear error when the stream stops early.
    pub count: u64,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("PostgreSQL COPY stream: {what}"))
}

impl Tuples {
    /// Feeds one chunk; `each` gets every complete tuple's fields.
    pub fn feed(
        &mut self,
        chunk: &[u8],
        each: &mut impl FnMut(&[Option<&[u8]>]) -> Result<()>,
    ) -> Result<()> {
        if self.pending.is_empty() {
            let used = self.parse(chunk, each)?;
            self.pending.extend_from_slice(&chunk[used..]);
        } else {
            let mut data = std::mem::take(&mut self.pending);
            data.extend_from_slice(chunk);
            let used = self.parse(&data, each)?;
            data.drain(..used);
            self.pending = data;
        }
        Ok(())
    }

    /// The stream is over: it must have ended where a tuple ends.
    pub fn finish(self) -> Result<u64> {
        if !self.ended || !self.pending.is_empty() {
            return Err(corrupt("cut short"));
        }
        Ok(self.count)
    }

    /// Parses what is complete in `data`; returns how many bytes it used.
    fn parse(
        &mut self,
        data: &[u8],
        each: &mut impl FnMut(&[Option<&[u8]>]) -> Result<()>,
    ) -> Result<usize> {
        let mut pos = 0;
        if !self.started {
            if data.len() < 19 {
                return Ok(0);
            }
            if &data[..11] != SIGNATURE {
                return Err(corrupt("not a binary COPY stream"));
            }
            let ext = u32::from_be_bytes(data[15..19].try_into().expect("4 bytes")) as usize;
            if data.len() < 19 + ext {
                return Ok(0);
            }
            pos = 19 + ext;
            self.started = true;
        }
        let mut fields: [Option<&[u8]>; MAX_FIELDS] = [None; MAX_FIELDS];
        loop {
            if self.ended {
                if pos < data.len() {
                    return Err(corrupt("data after the end"));
                }
                return Ok(pos);
            }
            let Some(head) = data.get(pos..pos + 2) else {
                return Ok(pos);
            };
            let n = i16::from_be_bytes([head[0], head[1]]);
            if n == -1 {
                self.ended = true;
                pos += 2;
                continue;
            }
            if n < 0 || n as usize > MAX_FIELDS {
                return Err(corrupt("field count"));
            }
            let mut p = pos + 2;
            for field in fields.iter_mut().take(n as usize) {
                let Some(len) = data.get(p..p + 4) else {
                    return Ok(pos);
                };
                let len = i32::from_be_bytes(len.try_into().expect("4 bytes"));
                p += 4;
                *field = match len {
                    -1 => None,
                    l if l < 0 => return Err(corrupt("field length")),
                    l => {
                        let Some(bytes) = data.get(p..p + l as usize) else {
                            return Ok(pos);
                        };
                        p += l as usize;
                        Some(bytes)
                    }
                };
            }
            each(&fields[..n as usize])?;
            self.count += 1;
            pos = p;
        }
    }
}

/// A `BIGINT` field that may not be NULL.
pub(crate) fn int8(field: Option<&[u8]>) -> Result<i64> {
    let bytes = field.ok_or_else(|| corrupt("NULL number"))?;
    let bytes: [u8; 8] = bytes.try_into().map_err(|_| corrupt("BIGINT width"))?;
    Ok(i64::from_be_bytes(bytes))
}

/// A `BIGINT` field that may be NULL.
pub(crate) fn int8_or_null(field: Option<&[u8]>) -> Result<Option<i64>> {
    field.map(|f| int8(Some(f))).transpose()
}

/// A `TEXT` field that may not be NULL.
pub(crate) fn text(field: Option<&[u8]>) -> Result<&str> {
    std::str::from_utf8(field.ok_or_else(|| corrupt("NULL text"))?)
        .map_err(|_| corrupt("text not UTF-8"))
}

/// A `TEXT` field that may be NULL.
pub(crate) fn text_or_null(field: Option<&[u8]>) -> Result<Option<&str>> {
    field.map(|f| text(Some(f))).transpose()
}

/// `COPY` takes no bind parameters, so a value goes into the statement as
/// a literal. Only the ids the store makes (letters, digits, `-`, `_`) are
/// let through, so nothing a caller sends can change the statement.
pub(crate) fn id_literal(id: &str) -> Option<String> {
    (!id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| format!("'{id}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream as PostgreSQL writes it: (user, seq, prediction) tuples.
    fn stream(rows: &[(&str, i64, Option<i64>)]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend(0u32.to_be_bytes());
        out.extend(4u32.to_be_bytes());
        out.extend(b"ext!");
        for (user, seq, prediction) in rows {
            out.extend(3i16.to_be_bytes());
            out.extend((user.len() as i32).to_be_bytes());
            out.extend(user.as_bytes());
            out.extend(8i32.to_be_bytes());
            out.extend(seq.to_be_bytes());
            match prediction {
                Some(p) => {
                    out.extend(8i32.to_be_bytes());
                    out.extend(p.to_be_bytes());
                }
                None => out.extend((-1i32).to_be_bytes()),
            }
        }
        out.extend((-1i16).to_be_bytes());
        out
    }

    fn read(chunks: &[&[u8]]) -> Result<Vec<(String, i64, Option<i64>)>> {
        let mut tuples = Tuples::default();
        let mut out = Vec::new();
        for chunk in chunks {
            tuples.feed(chunk, &mut |f| {
                out.push((text(f[0])?.to_string(), int8(f[1])?, int8_or_null(f[2])?));
                Ok(())
            })?;
        }
        assert_eq!(tuples.finish()?, out.len() as u64);
        Ok(out)
    }

    #[test]
    fn tuples_are_read_however_the_stream_is_cut() {
        let rows = [("người-1", 1, Some(4_000)), ("người-1", 2, None), ("b", -7, Some(i64::MIN))];
        let want: Vec<_> = rows.iter().map(|(u, s, p)| (u.to_string(), *s, *p)).collect();
        let bytes = stream(&rows);
        assert_eq!(read(&[&bytes]).unwrap(), want);
        // Every cut point, and byte by byte.
        for cut in 0..bytes.len() {
            assert_eq!(read(&[&bytes[..cut], &bytes[cut..]]).unwrap(), want, "cut at {cut}");
        }
        let bytes_one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(read(&bytes_one_by_one).unwrap(), want);
        assert!(read(&[&stream(&[])]).unwrap().is_empty());
    }

    #[test]
    fn a_broken_stream_is_refused() {
        let bytes = stream(&[("a", 1, None)]);
        // Cut short: no end marker.
        assert!(read(&[&bytes[..bytes.len() - 2]]).is_err());
        assert!(read(&[&bytes[..bytes.len() - 5]]).is_err());
        // Not COPY at all.
        assert!(read(&[b"SELECT 1 and then some more bytes"]).is_err());
        // Data after the end.
        let mut more = bytes.clone();
        more.push(0);
        assert!(read(&[&more]).is_err());
        // A number of the wrong width, a NULL where none may be.
        let mut narrow = stream(&[("a", 1, None)]);
        let at = 19 + 4 + 2 + 4 + 1; // the seq field's length
        narrow[at..at + 4].copy_from_slice(&4i32.to_be_bytes());
        assert!(read(&[&narrow]).is_err());
        assert!(int8(None).is_err());
        assert!(text(Some(&[0xff, 0xfe])).is_err());
    }

    #[test]
    fn only_the_stores_ids_become_literals() {
        assert_eq!(id_literal("8f14e45f-ceea-467f-a0e6-3f9c2b6d1e2a").unwrap(), "'8f14e45f-ceea-467f-a0e6-3f9c2b6d1e2a'");
        assert_eq!(id_literal("demo_round-1").unwrap(), "'demo_round-1'");
        for bad in ["", "a'b", "x') TO PROGRAM 'sh", "a b", "vòng", "a;b", &"a".repeat(65)] {
            assert!(id_literal(bad).is_none(), "{bad}");
        }
    }
}
