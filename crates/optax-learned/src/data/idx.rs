//! The IDX format of the MNIST family (LeCun et al.): a big-endian header (magic number, then
//! one `u32` per dimension) followed by the `u8` values, gzip-compressed as the files are
//! distributed.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use flate2::read::GzDecoder;
use optax_core::{OptaxError, Result};

/// The magic number of an IDX file of unsigned bytes with `dims` dimensions (0x0000_08dd).
fn magic(dims: usize) -> u32 {
    0x0800 | dims as u32
}

/// An IDX array of unsigned bytes: its shape and values, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray {
    /// The dimensions from the header (`[n, rows, cols]` for images, `[n]` for labels).
    pub shape: Vec<usize>,
    /// The values, `shape.iter().product()` of them.
    pub values: Vec<u8>,
}

impl IdxArray {
    /// Parses an uncompressed IDX array of unsigned bytes with `dims` dimensions; `what` names
    /// the source in errors.
    pub fn parse(bytes: &[u8], dims: usize, what: &str) -> Result<Self> {
        let bad = |reason: String| OptaxError::Io(format!("{what}: not an IDX file: {reason}"));
        let header = 4 + 4 * dims;
        if bytes.len() < header {
            return Err(bad(format!(
                "{} bytes, shorter than the {header}-byte header",
                bytes.len()
            )));
        }
        let word =
            |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        if word(0) != magic(dims) {
            return Err(bad(format!(
                "magic number {:#010x}, expected {:#010x} (unsigned bytes, {dims} dimensions)",
                word(0),
                magic(dims)
            )));
        }
        let shape: Vec<usize> = (0..dims).map(|d| word(4 + 4 * d) as usize).collect();
        let n: usize = shape.iter().product();
        if bytes.len() - header != n {
            return Err(bad(format!(
                "the header announces {shape:?} ({n} values), the file holds {}",
                bytes.len() - header
            )));
        }
        Ok(Self {
            shape,
            values: bytes[header..].to_vec(),
        })
    }

    /// Reads a gzip-compressed IDX file (`.gz`) or an uncompressed one.
    pub fn read(path: &Path, dims: usize) -> Result<Self> {
        let what = path.display().to_string();
        let file = File::open(path).map_err(|e| OptaxError::Io(format!("{what}: {e}")))?;
        let mut bytes = Vec::new();
        let gz = path.extension().is_some_and(|e| e == "gz");
        let read = if gz {
            GzDecoder::new(BufReader::new(file)).read_to_end(&mut bytes)
        } else {
            BufReader::new(file).read_to_end(&mut bytes)
        };
        read.map_err(|e| OptaxError::Io(format!("{what}: {e}")))?;
        Self::parse(&bytes, dims, &what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dims: &[u32], values: &[u8]) -> Vec<u8> {
        let mut b = magic(dims.len()).to_be_bytes().to_vec();
        for d in dims {
            b.extend(d.to_be_bytes());
        }
        b.extend(values);
        b
    }

    #[test]
    fn parses_header_and_values() {
        let a = IdxArray::parse(&file(&[2, 1, 3], &[1, 2, 3, 4, 5, 6]), 3, "t").unwrap();
        assert_eq!(a.shape, [2, 1, 3]);
        assert_eq!(a.values, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn bad_files_are_named_errors() {
        let short = IdxArray::parse(&[0, 0], 1, "t").unwrap_err().to_string();
        assert!(short.contains("shorter than the 8-byte header"), "{short}");
        let wrong = IdxArray::parse(&file(&[2], &[0; 20]), 3, "t");
        assert!(wrong.unwrap_err().to_string().contains("magic number"));
        let truncated = IdxArray::parse(&file(&[3], &[1, 2]), 1, "t").unwrap_err();
        assert!(truncated.to_string().contains("holds 2"), "{truncated}");
    }
}
