//! `multipart/form-data` bodies: text fields and file uploads.

use std::fmt;
use std::hash::{BuildHasher, RandomState};

use bytes::Bytes;
use serde::Serialize;

use super::scalar_text;

/// A file sent as one part of a `multipart/form-data` request (a property with
/// `format: binary` in the spec).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilePart {
    /// The file's contents.
    pub bytes: Bytes,
    /// The file name the server sees (`filename=` of the part).
    pub file_name: Option<String>,
    /// The media type of the part (default `application/octet-stream`).
    pub content_type: Option<String>,
}

impl FilePart {
    /// A file with these contents, no name and the default media type.
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        FilePart {
            bytes: bytes.into(),
            file_name: None,
            content_type: None,
        }
    }

    /// Sets the file name.
    pub fn file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// Sets the media type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl<T: Into<Bytes>> From<T> for FilePart {
    fn from(bytes: T) -> Self {
        FilePart::new(bytes)
    }
}

/// Outside a multipart body (a file field read back from JSON, say) a file is its bytes.
impl Serialize for FilePart {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.bytes)
    }
}

impl<'de> serde::Deserialize<'de> for FilePart {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;

        impl<'de> serde::de::Visitor<'de> for BytesVisitor {
            type Value = FilePart;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("file contents as bytes, a list of bytes or a string")
            }

            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<FilePart, E> {
                Ok(FilePart::new(bytes.to_vec()))
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<FilePart, E> {
                Ok(FilePart::new(text.as_bytes().to_vec()))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<FilePart, A::Error> {
                let mut bytes = Vec::new();
                while let Some(byte) = seq.next_element::<u8>()? {
                    bytes.push(byte);
                }
                Ok(FilePart::new(bytes))
            }
        }

        deserializer.deserialize_any(BytesVisitor)
    }
}

/// A `multipart/form-data` body being written.
#[derive(Debug)]
pub(crate) struct Multipart {
    boundary: String,
    body: Vec<u8>,
}

impl Multipart {
    /// An empty body with a boundary that no part is likely to contain.
    pub(crate) fn new() -> Self {
        let random = RandomState::new().hash_one(std::time::SystemTime::now());
        Multipart {
            boundary: format!("------------------------{random:016x}"),
            body: Vec::new(),
        }
    }

    fn part_head(&mut self, name: &str, file_name: Option<&str>, content_type: Option<&str>) {
        let quote = |text: &str| text.replace('"', "%22").replace(['\r', '\n'], " ");
        self.body.extend_from_slice(b"--");
        self.body.extend_from_slice(self.boundary.as_bytes());
        self.body
            .extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
        self.body.extend_from_slice(quote(name).as_bytes());
        self.body.push(b'"');
        if let Some(file_name) = file_name {
            self.body.extend_from_slice(b"; filename=\"");
            self.body.extend_from_slice(quote(file_name).as_bytes());
            self.body.push(b'"');
        }
        if let Some(content_type) = content_type {
            self.body.extend_from_slice(b"\r\nContent-Type: ");
            self.body.extend_from_slice(quote(content_type).as_bytes());
        }
        self.body.extend_from_slice(b"\r\n\r\n");
    }

    /// Adds a text field: scalars as written, arrays as one part per item, `None` as nothing,
    /// objects as JSON.
    pub(crate) fn text<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        let values = match serde_json::to_value(value) {
            Ok(serde_json::Value::Array(items)) => items.iter().filter_map(scalar_text).collect(),
            Ok(value) => scalar_text(&value).into_iter().collect(),
            Err(_) => Vec::new(),
        };
        for text in values {
            self.part_head(name, None, None);
            self.body.extend_from_slice(text.as_bytes());
            self.body.extend_from_slice(b"\r\n");
        }
    }

    /// Adds a file.
    pub(crate) fn file(&mut self, name: &str, file: &FilePart) {
        let content_type = file
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream");
        let file_name = file.file_name.as_deref().unwrap_or(name);
        self.part_head(name, Some(file_name), Some(content_type));
        self.body.extend_from_slice(&file.bytes);
        self.body.extend_from_slice(b"\r\n");
    }

    /// The finished body and its `Content-Type`.
    pub(crate) fn finish(mut self) -> (Bytes, String) {
        self.body.extend_from_slice(b"--");
        self.body.extend_from_slice(self.boundary.as_bytes());
        self.body.extend_from_slice(b"--\r\n");
        let content_type = format!("multipart/form-data; boundary={}", self.boundary);
        (Bytes::from(self.body), content_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_file_parts_are_framed_by_the_boundary() {
        let mut form = Multipart::new();
        form.text("purpose", "fine-tune");
        form.text("tags", &["a", "b"]);
        form.text("missing", &Option::<String>::None);
        form.file(
            "file",
            &FilePart::new(&b"\x00\x01bin"[..])
                .file_name("data.jsonl")
                .content_type("application/jsonl"),
        );
        let (body, content_type) = form.finish();
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\na\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nb\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n\x00\x01bin\r\n\
             --{b}--\r\n",
            b = boundary
        );
        assert_eq!(body, Bytes::from(expected));
    }

    #[test]
    fn file_parts_read_from_bytes_lists_and_strings() {
        let from_list: FilePart = serde_json::from_str("[1, 2, 255]").unwrap();
        assert_eq!(from_list.bytes, Bytes::from_static(&[1, 2, 255]));
        let from_text: FilePart = serde_json::from_str("\"hi\"").unwrap();
        assert_eq!(from_text.bytes, Bytes::from_static(b"hi"));
    }
}
