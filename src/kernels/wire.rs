//! The bytes a task's arguments become on their way to a process: Overlap's `pickle`.
//!
//! A process shares no memory with its parent, so everything a task needs is written into a byte
//! buffer, copied across and read back into fresh memory on the other side. The format is plain
//! little-endian numbers and length-prefixed byte strings, the cheapest honest encoding, so the
//! copy cost measured is the cost of moving the data, not of a slow serializer.

use std::fmt;

use crate::cache_line::LineAligned;

/// Appends values to a buffer.
#[derive(Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn u64(&mut self, value: u64) -> &mut Self {
        self.buf.extend_from_slice(&value.to_le_bytes());
        self
    }

    /// A length, then the numbers.
    pub fn u64s(&mut self, values: &[u64]) -> &mut Self {
        self.u64(values.len() as u64);
        self.buf.reserve(values.len() * 8);
        for value in values {
            self.buf.extend_from_slice(&value.to_le_bytes());
        }
        self
    }

    /// A length, then the numbers' bits.
    pub fn f64s(&mut self, values: &[f64]) -> &mut Self {
        self.u64(values.len() as u64);
        self.buf.reserve(values.len() * 8);
        for value in values {
            self.buf.extend_from_slice(&value.to_bits().to_le_bytes());
        }
        self
    }

    /// A length, then the bytes.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.u64(bytes.len() as u64);
        self.buf.extend_from_slice(bytes);
        self
    }

    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }
}

/// Why bytes could not be read back: truncated or not what the reader expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not read a task's arguments: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

/// Reads values back in the order they were written.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.bytes.len() {
            return Err(DecodeError(format!(
                "wanted {n} more bytes, {} left",
                self.bytes.len()
            )));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        let bytes = self.take(8)?;
        Ok(u64::from_le_bytes(bytes.try_into().expect("8 bytes")))
    }

    /// A length written by [`Writer::u64s`] and friends, refused if the buffer cannot hold it
    /// (so a corrupt length cannot ask for a huge allocation).
    fn len(&mut self, item_bytes: usize) -> Result<usize, DecodeError> {
        let len = self.u64()?;
        if len.saturating_mul(item_bytes as u64) > self.bytes.len() as u64 {
            return Err(DecodeError(format!(
                "a length of {len} does not fit in {} bytes",
                self.bytes.len()
            )));
        }
        Ok(len as usize)
    }

    /// The numbers of a list written by [`Writer::u64s`] (or [`Writer::f64s`], as their bits),
    /// read as they are taken.
    fn u64_list(&mut self) -> Result<impl ExactSizeIterator<Item = u64> + 'a, DecodeError> {
        let len = self.len(8)?;
        let bytes = self.take(len * 8)?;
        Ok(bytes
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes"))))
    }

    pub fn u64s(&mut self) -> Result<Vec<u64>, DecodeError> {
        Ok(self.u64_list()?.collect())
    }

    pub fn f64s(&mut self) -> Result<Vec<f64>, DecodeError> {
        Ok(self.u64s()?.into_iter().map(f64::from_bits).collect())
    }

    /// [`Reader::f64s`], laid out from a cache line's start (for matmul's matrices).
    pub fn f64s_line_aligned(&mut self) -> Result<LineAligned, DecodeError> {
        Ok(LineAligned::collect(self.u64_list()?.map(f64::from_bits)))
    }

    pub fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.len(1)?;
        self.take(len)
    }

    /// Fails unless every byte was read: trailing bytes mean writer and reader disagree.
    pub fn end(&self) -> Result<(), DecodeError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(DecodeError(format!("{} bytes left over", self.bytes.len())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_in_order() {
        let bytes = Writer::new()
            .u64(7)
            .u64s(&[1, 2, 3])
            .f64s(&[0.5, -1.25])
            .f64s(&[3.0])
            .bytes(b"<meta>")
            .finish();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u64(), Ok(7));
        assert_eq!(r.u64s(), Ok(vec![1, 2, 3]));
        assert_eq!(r.f64s(), Ok(vec![0.5, -1.25]));
        assert_eq!(r.f64s_line_aligned().as_deref(), Ok(&[3.0][..]));
        assert_eq!(r.bytes(), Ok(&b"<meta>"[..]));
        assert_eq!(r.end(), Ok(()));
    }

    #[test]
    fn truncated_or_corrupt_input_is_an_error_not_a_panic() {
        let bytes = Writer::new().u64s(&[1, 2, 3]).finish();
        for cut in 0..bytes.len() {
            assert!(Reader::new(&bytes[..cut]).u64s().is_err(), "cut at {cut}");
        }
        let huge = Writer::new().u64(u64::MAX).finish();
        assert!(Reader::new(&huge).u64s().is_err());
        assert!(Reader::new(&huge).bytes().is_err());
        let mut r = Reader::new(&bytes);
        r.u64().unwrap();
        assert!(r.end().is_err());
    }
}
