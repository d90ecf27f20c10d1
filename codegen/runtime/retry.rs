//! When to retry a failed request, and how long to wait before doing so.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// Retry settings: how many retries and the backoff bounds.
///
/// A failed attempt is retried after a wait: the one the server asked for in `retry-after-ms`
/// or `retry-after` when that is at most a minute, otherwise `initial_backoff` doubled for each
/// earlier retry, capped at `max_backoff`, and shortened by a random 0–25% so that many clients
/// failing together do not all come back at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times a request is retried after its first attempt; 0 disables retries.
    pub max_retries: u32,
    /// The wait before the first retry, before jitter.
    pub initial_backoff: Duration,
    /// The longest wait the exponential backoff reaches, before jitter.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Two retries, waiting about 0.5 s then 1 s; the backoff never exceeds 8 s.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
        }
    }
}

/// The longest server-requested wait that is honoured; a longer one is more likely a quota
/// reset than a transient hiccup, and blocking a caller for it silently would be worse than
/// backing off normally and letting the error surface.
const MAX_SERVER_DELAY: Duration = Duration::from_secs(60);

impl RetryPolicy {
    /// Whether a response with this status and headers should be retried.
    ///
    /// 408 (timeout), 409 (lock conflict), 429 (rate limit) and every 5xx are transient; other
    /// statuses would fail the same way again. An `x-should-retry: true` or `false` header
    /// overrides that, as the official OpenAI SDKs let the server decide.
    pub(crate) fn should_retry_status(&self, status: u16, headers: &HeaderMap) -> bool {
        match header(headers, "x-should-retry") {
            Some(value) if value.eq_ignore_ascii_case("true") => true,
            Some(value) if value.eq_ignore_ascii_case("false") => false,
            _ => matches!(status, 408 | 409 | 429 | 500..=599),
        }
    }

    /// How long to wait before retry number `retry` (0-based), given the failed response's
    /// headers if any.
    ///
    /// A wait the server asks for is used exactly when it is between 0 and 60 s:
    /// `retry-after-ms` (milliseconds, may be fractional) first, else `retry-after` (seconds,
    /// may be fractional, or an IMF-fixdate HTTP date taken relative to `now`). A header that
    /// does not parse counts as absent; a date in the past is treated like a wait out of range
    /// (most likely clock skew between server and client) and gives the normal backoff rather
    /// than an immediate retry.
    pub(crate) fn delay(
        &self,
        retry: u32,
        headers: Option<&HeaderMap>,
        now: SystemTime,
    ) -> Duration {
        self.delay_with_jitter(retry, headers, now, random_unit())
    }

    /// `delay` with the random number in `[0, 1)` given, so tests can pin the jitter.
    fn delay_with_jitter(
        &self,
        retry: u32,
        headers: Option<&HeaderMap>,
        now: SystemTime,
        unit: f64,
    ) -> Duration {
        if let Some(wait) = headers.and_then(|headers| server_delay(headers, now)) {
            return wait;
        }
        let nominal = self.backoff(retry);
        // Shorten by at most a quarter, computed on the quarter itself so that float rounding
        // can never take the wait below 75% of the nominal one.
        let quarter = nominal / 4;
        let reduction = Duration::try_from_secs_f64(quarter.as_secs_f64() * unit)
            .unwrap_or(Duration::ZERO)
            .min(quarter);
        nominal - reduction
    }

    /// `initial_backoff * 2^retry`, capped at `max_backoff`, without jitter.
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// The wait the server asked for, when it is one to honour.
fn server_delay(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let wait = header(headers, "retry-after-ms")
        .and_then(|value| seconds(value, 1e-3))
        .or_else(|| {
            let value = header(headers, "retry-after")?;
            seconds(value, 1.0).or_else(|| parse_http_date(value)?.duration_since(now).ok())
        })?;
    (wait <= MAX_SERVER_DELAY).then_some(wait)
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    Some(headers.get(name)?.to_str().ok()?.trim())
}

/// A non-negative decimal number of units of `scale` seconds.
fn seconds(value: &str, scale: f64) -> Option<Duration> {
    let number: f64 = value.parse().ok()?;
    // `try_from_secs_f64` also rejects NaN, infinities and negative numbers.
    Duration::try_from_secs_f64(number * scale).ok()
}

/// A uniformly distributed number in `[0, 1)`, good enough for jitter.
fn random_unit() -> f64 {
    // Every `RandomState` gets fresh keys, so hashing a counter with one gives unpredictable
    // bits without a random number crate; jitter needs nothing stronger.
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let bits = RandomState::new().hash_one(COUNTER.fetch_add(1, Ordering::Relaxed));
    // The top 53 bits fill an f64 mantissa exactly.
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

const WEEKDAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// An HTTP date in IMF-fixdate form, `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// This is the form RFC 9110 requires servers to send; the obsolete RFC 850 and asctime forms
/// are not accepted (the header then counts as absent). The weekday must be a weekday name but
/// is not checked against the date.
fn parse_http_date(value: &str) -> Option<SystemTime> {
    let &[
        w1,
        w2,
        w3,
        b',',
        b' ',
        d1,
        d2,
        b' ',
        m1,
        m2,
        m3,
        b' ',
        y1,
        y2,
        y3,
        y4,
        b' ',
        h1,
        h2,
        b':',
        n1,
        n2,
        b':',
        s1,
        s2,
        b' ',
        b'G',
        b'M',
        b'T',
    ] = value.as_bytes()
    else {
        return None;
    };
    if !WEEKDAYS.contains(&&[w1, w2, w3]) {
        return None;
    }
    let month = MONTHS.iter().position(|name| **name == [m1, m2, m3])? + 1;
    let year = number(&[y1, y2, y3, y4])?;
    let day = number(&[d1, d2])?;
    let hour = number(&[h1, h2])?;
    let minute = number(&[n1, n2])?;
    let second = number(&[s1, s2])?;
    // 60 is a leap second, which the date grammar allows.
    let valid =
        (1..=days_in_month(year, month)).contains(&day) && hour < 24 && minute < 60 && second <= 60;
    if !valid {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = days * 86_400 + i64::from(hour * 3_600 + minute * 60 + second);
    // A date before 1970 is in the past whatever `now` is; it means "no usable wait" too.
    UNIX_EPOCH.checked_add(Duration::from_secs(u64::try_from(seconds).ok()?))
}

/// The value of ASCII decimal digits.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0, |value, &digit| {
        digit
            .is_ascii_digit()
            .then(|| value * 10 + u32::from(digit - b'0'))
    })
}

fn days_in_month(year: u32, month: usize) -> u32 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`):
/// counting years from March puts the leap day last, so every month before it has a fixed
/// offset.
fn days_from_civil(year: i64, month: usize, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month as i64 + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    /// 1994-11-06 08:49:37 UTC, the example date of RFC 9110.
    fn rfc_example() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(784_111_777)
    }

    const SOON: f64 = 0.999_999_999;

    #[test]
    fn defaults() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_retries, 2);
        assert_eq!(policy.initial_backoff, Duration::from_millis(500));
        assert_eq!(policy.max_backoff, Duration::from_secs(8));
    }

    #[test]
    fn transient_statuses_are_retried() {
        let policy = RetryPolicy::default();
        for status in [408, 409, 429, 500, 502, 503, 504, 599] {
            assert!(
                policy.should_retry_status(status, &HeaderMap::new()),
                "{status}"
            );
        }
    }

    #[test]
    fn other_statuses_are_not_retried() {
        let policy = RetryPolicy::default();
        for status in [200, 301, 400, 401, 403, 404, 410, 422, 499, 600] {
            assert!(
                !policy.should_retry_status(status, &HeaderMap::new()),
                "{status}"
            );
        }
    }

    #[test]
    fn x_should_retry_overrides_the_status() {
        let policy = RetryPolicy::default();
        let yes = headers(&[("x-should-retry", "true")]);
        let no = headers(&[("x-should-retry", "FALSE")]);
        assert!(policy.should_retry_status(400, &yes));
        assert!(policy.should_retry_status(200, &yes));
        assert!(!policy.should_retry_status(503, &no));
        assert!(!policy.should_retry_status(429, &no));
        let unclear = headers(&[("x-should-retry", "maybe")]);
        assert!(policy.should_retry_status(503, &unclear));
        assert!(!policy.should_retry_status(400, &unclear));
    }

    #[test]
    fn retry_after_ms_is_used_exactly() {
        let policy = RetryPolicy::default();
        let now = SystemTime::now();
        let wait = |value| policy.delay(5, Some(&headers(&[("retry-after-ms", value)])), now);
        assert_eq!(wait("1500"), Duration::from_millis(1500));
        assert_eq!(wait("250.5"), Duration::from_micros(250_500));
        assert_eq!(wait("0"), Duration::ZERO);
        assert_eq!(wait("60000"), Duration::from_secs(60));
    }

    #[test]
    fn retry_after_seconds_are_used_exactly() {
        let policy = RetryPolicy::default();
        let now = SystemTime::now();
        let wait = |value| policy.delay(0, Some(&headers(&[("retry-after", value)])), now);
        assert_eq!(wait("3"), Duration::from_secs(3));
        assert_eq!(wait(" 1.5 "), Duration::from_millis(1500));
        assert_eq!(wait("60"), Duration::from_secs(60));
    }

    #[test]
    fn retry_after_ms_wins_over_retry_after() {
        let policy = RetryPolicy::default();
        let both = headers(&[("retry-after-ms", "200"), ("retry-after", "30")]);
        assert_eq!(
            policy.delay(0, Some(&both), SystemTime::now()),
            Duration::from_millis(200)
        );
        // A header that does not parse counts as absent.
        let broken = headers(&[("retry-after-ms", "soon"), ("retry-after", "30")]);
        assert_eq!(
            policy.delay(0, Some(&broken), SystemTime::now()),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn retry_after_http_date_is_relative_to_now() {
        let policy = RetryPolicy::default();
        let date = headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]);
        let now = rfc_example() - Duration::from_millis(12_250);
        assert_eq!(
            policy.delay(0, Some(&date), now),
            Duration::from_millis(12_250)
        );
        assert_eq!(policy.delay(0, Some(&date), rfc_example()), Duration::ZERO);
    }

    #[test]
    fn parses_imf_fixdates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(rfc_example())
        );
        assert_eq!(
            parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(UNIX_EPOCH)
        );
        // Leap days, the end of a leap year, and a date far ahead.
        let leap_day = parse_http_date("Thu, 29 Feb 2024 12:00:00 GMT");
        assert_eq!(
            leap_day,
            Some(UNIX_EPOCH + Duration::from_secs(1_709_208_000))
        );
        let new_year = parse_http_date("Sun, 31 Dec 2000 23:59:59 GMT");
        assert_eq!(
            new_year,
            Some(UNIX_EPOCH + Duration::from_secs(978_307_199))
        );
        let far = parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(far, Some(UNIX_EPOCH + Duration::from_secs(253_402_300_799)));
    }

    #[test]
    fn rejects_malformed_dates() {
        for value in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 gmt",
            "Sun 06 Nov 1994 08:49:37 GMT ",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Thu, 29 Feb 2100 08:49:37 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 08:49:61 GMT",
            "Sun, 06 Nov 19x4 08:49:37 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(value), None, "{value}");
        }
    }

    /// Asserts `wait` is the backoff of `retry`: at most the nominal value, at least 75% of it.
    fn assert_backoff(policy: &RetryPolicy, retry: u32, wait: Duration) {
        let nominal = policy.backoff(retry);
        assert!(wait <= nominal, "{wait:?} exceeds {nominal:?}");
        assert!(
            wait.as_nanos() * 4 >= nominal.as_nanos() * 3,
            "{wait:?} is under 75% of {nominal:?}"
        );
    }

    #[test]
    fn a_date_in_the_past_falls_back_to_the_backoff() {
        let policy = RetryPolicy::default();
        let date = headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]);
        let now = rfc_example() + Duration::from_secs(1);
        let wait = policy.delay_with_jitter(1, Some(&date), now, 0.0);
        assert_eq!(wait, Duration::from_secs(1));
    }

    #[test]
    fn unusable_server_waits_fall_back_to_the_backoff() {
        let policy = RetryPolicy::default();
        let now = SystemTime::now();
        for (name, value) in [
            ("retry-after", "soon"),
            ("retry-after", "-1"),
            ("retry-after", "NaN"),
            ("retry-after", "inf"),
            ("retry-after", "61"),
            ("retry-after", "Sun, 06 Nov 2994 08:49:37 GMT"),
            ("retry-after-ms", "60001"),
            ("retry-after-ms", "1e400"),
        ] {
            let map = headers(&[(name, value)]);
            let wait = policy.delay_with_jitter(2, Some(&map), now, 0.0);
            assert_eq!(wait, Duration::from_secs(2), "{name}: {value}");
        }
        let wait = policy.delay_with_jitter(0, None, now, 0.0);
        assert_eq!(wait, Duration::from_millis(500));
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let policy = RetryPolicy::default();
        let nominal: Vec<Duration> = (0..7).map(|retry| policy.backoff(retry)).collect();
        let expected = [500, 1000, 2000, 4000, 8000, 8000, 8000].map(Duration::from_millis);
        assert_eq!(nominal, expected);
        assert_eq!(policy.backoff(u32::MAX), Duration::from_secs(8));
    }

    #[test]
    fn jitter_shortens_by_at_most_a_quarter() {
        let policy = RetryPolicy::default();
        let now = SystemTime::now();
        for retry in 0..10 {
            let longest = policy.delay_with_jitter(retry, None, now, 0.0);
            let shortest = policy.delay_with_jitter(retry, None, now, SOON);
            assert_eq!(longest, policy.backoff(retry));
            assert_backoff(&policy, retry, shortest);
            assert!(shortest * 4 < longest * 3 + Duration::from_millis(1));
        }
    }

    #[test]
    fn random_delays_stay_within_the_bounds_and_vary() {
        let policy = RetryPolicy::default();
        let now = SystemTime::now();
        let mut seen = std::collections::HashSet::new();
        for attempt in 0..300 {
            let retry = attempt % 6;
            let wait = policy.delay(retry, Some(&HeaderMap::new()), now);
            assert_backoff(&policy, retry, wait);
            seen.insert(wait);
        }
        assert!(seen.len() > 100, "only {} distinct waits", seen.len());
        for _ in 0..1000 {
            let unit = random_unit();
            assert!((0.0..1.0).contains(&unit), "{unit}");
        }
    }

    #[test]
    fn extreme_settings_do_not_overflow() {
        let policy = RetryPolicy {
            max_retries: u32::MAX,
            initial_backoff: Duration::MAX,
            max_backoff: Duration::MAX,
        };
        for unit in [0.0, 0.5, SOON] {
            let wait = policy.delay_with_jitter(u32::MAX, None, SystemTime::now(), unit);
            assert_backoff(&policy, u32::MAX, wait);
        }
        let zero = RetryPolicy {
            initial_backoff: Duration::ZERO,
            ..RetryPolicy::default()
        };
        assert_eq!(zero.delay(3, None, SystemTime::now()), Duration::ZERO);
    }
}
