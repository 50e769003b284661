//! Ranges of tunable numbers: every policy and preset field is checked the same way, and a number
//! outside its range is refused with the field named.

/// A number outside its field's range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{field}` must be between {min} and {max}; it is {value}")]
pub struct OutOfRange {
    pub field: &'static str,
    pub value: f32,
    pub min: f32,
    pub max: f32,
}

/// `value` if it is a finite number in `min..=max`.
pub fn in_range(field: &'static str, value: f32, min: f32, max: f32) -> Result<f32, OutOfRange> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(OutOfRange {
            field,
            value,
            min,
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_outside_or_not_numbers_are_refused() {
        assert_eq!(in_range("x", 0.5, 0.0, 1.0), Ok(0.5));
        assert!(in_range("x", 1.5, 0.0, 1.0).is_err());
        assert!(in_range("x", f32::NAN, 0.0, 1.0).is_err());
        assert_eq!(
            in_range("sky.fog", 3.0, 0.0, 1.0).unwrap_err().to_string(),
            "`sky.fog` must be between 0 and 1; it is 3"
        );
    }
}
