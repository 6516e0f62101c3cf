//! China's administrative divisions (provinces, prefecture-level cities,
//! districts and counties), compiled into the binary. A site records the code
//! of its district or city; routing by branch and partner coverage rolls that up
//! to the prefecture-level city with [`city_code`].

use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;

static CSV: &str = include_str!("../data/china-admin-divisions.csv");

/// One administrative division.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Division {
    /// 12-digit division code (adcode), e.g. `320102000000`.
    pub code: String,
    /// Chinese name, e.g. `玄武区`.
    pub name: String,
    /// `province`, `city` or `county`.
    pub level: &'static str,
}

struct Table {
    all: Vec<Division>,
    by_code: HashMap<String, usize>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut all = Vec::new();
    for line in CSV.lines().skip(1) {
        let mut cols = line.split(',');
        let (Some(code), Some(name)) = (cols.next(), cols.next()) else {
            continue;
        };
        if code.len() != 12 {
            continue;
        }
        let level = if &code[2..] == "0000000000" {
            "province"
        } else if &code[4..] == "00000000" {
            "city"
        } else {
            "county"
        };
        all.push(Division { code: code.to_owned(), name: name.to_owned(), level });
    }
    all.sort_by(|a, b| a.code.cmp(&b.code));
    let by_code = all.iter().enumerate().map(|(i, d)| (d.code.clone(), i)).collect();
    Table { all, by_code }
});

/// The division with this code.
pub fn get(code: &str) -> Option<&'static Division> {
    TABLE.by_code.get(code).map(|&i| &TABLE.all[i])
}

/// Names that stand for a grouping rather than a city: municipalities' 市辖区/县
/// and the provinces' directly administered counties.
fn is_placeholder(name: &str) -> bool {
    matches!(name, "市辖区" | "县" | "省直辖县级行政区划" | "自治区直辖县级行政区划")
}

/// The prefecture-level city a division belongs to: for a district its city,
/// for a municipality (北京, 上海, 天津, 重庆) the municipality itself, for a
/// county administered directly by its province the county. `None` for an
/// unknown code or a province.
pub fn city_code(code: &str) -> Option<String> {
    let d = get(code)?;
    if d.level == "province" {
        // 北京市, 上海市, 天津市, 重庆市 are cities themselves.
        return d.name.ends_with('市').then(|| code.to_owned());
    }
    let prefecture = format!("{}00000000", &code[..4]);
    let province = format!("{}0000000000", &code[..2]);
    match get(&prefecture) {
        Some(p) if !is_placeholder(&p.name) => Some(prefecture),
        Some(p) if p.name == "市辖区" || p.name == "县" => Some(province),
        _ => Some(code.to_owned()),
    }
}

/// The province code of a division.
pub fn province_code(code: &str) -> Option<String> {
    get(code).map(|_| format!("{}0000000000", &code[..2]))
}

/// A readable full name: `江苏省 南京市 玄武区`, `北京市 海淀区`.
pub fn full_name(code: &str) -> Option<String> {
    let d = get(code)?;
    let mut parts: Vec<&str> = Vec::new();
    if let Some(p) = province_code(code).and_then(|c| get(&c))
        && p.code != d.code
    {
        parts.push(&p.name);
    }
    let prefecture = format!("{}00000000", &code[..4]);
    if let Some(c) = get(&prefecture)
        && c.code != d.code
        && !is_placeholder(&c.name)
        && d.level == "county"
    {
        parts.push(&c.name);
    }
    parts.push(&d.name);
    Some(parts.join(" "))
}

/// Divisions whose name contains the text, cities first; at most `limit`.
pub fn search(q: &str, limit: usize) -> Vec<&'static Division> {
    let q = q.trim();
    let rank = |d: &Division| match d.level {
        "city" => 0,
        "province" => 1,
        _ => 2,
    };
    let mut hits: Vec<&Division> = TABLE
        .all
        .iter()
        .filter(|d| !is_placeholder(&d.name) && (q.is_empty() || d.name.contains(q) || d.code.starts_with(q)))
        .collect();
    hits.sort_by_key(|d| (rank(d), d.name.chars().count()));
    hits.truncate(limit);
    hits
}

/// Whether a site, branch or partner may record this division as its city:
/// a municipality, a prefecture-level city, or a district or county (not a
/// province, nor a grouping such as 市辖区).
pub fn pickable(code: &str) -> bool {
    get(code).is_some_and(|d| !is_placeholder(&d.name)) && city_code(code).is_some()
}

static FULL_NAMES: LazyLock<Vec<String>> =
    LazyLock::new(|| TABLE.all.iter().map(|d| full_name(&d.code).unwrap_or_else(|| d.name.clone())).collect());

/// The type-ahead for choosing a city by name: divisions a site may record
/// whose full name (`江苏省 南京市 江宁区`) contains every word typed. Those whose
/// own name matches come first, cities before their districts, so `南京` offers
/// 南京市 and then each of its districts; `南京 江宁` or `江宁` finds 江宁区.
pub fn suggest(q: &str, limit: usize) -> Vec<&'static Division> {
    let words: Vec<&str> = q.split_whitespace().collect();
    let rank = |d: &Division| match d.level {
        "city" => 0,
        "province" => 0,
        _ => 1,
    };
    let mut hits: Vec<(usize, &Division)> = TABLE
        .all
        .iter()
        .enumerate()
        .filter(|(i, d)| {
            let full = &FULL_NAMES[*i];
            words.iter().all(|w| full.contains(w) || d.code.starts_with(w)) && pickable(&d.code)
        })
        .map(|(_, d)| {
            let own = words.last().is_some_and(|w| d.name.contains(w));
            (usize::from(!own) * 2 + rank(d), d)
        })
        .collect();
    hits.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.code.cmp(&b.1.code)));
    hits.into_iter().take(limit).map(|(_, d)| d).collect()
}

/// The division a person named: its code, its full name (`江苏省 南京市 江宁区`,
/// as the type-ahead shows it), or a name that only one division has (`江宁区`,
/// `南京`). `None` when nothing or more than one division fits.
pub fn resolve(text: &str) -> Option<&'static Division> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    if let Some(d) = get(&text) {
        return Some(d);
    }
    let pick = |f: &dyn Fn(usize, &Division) -> bool| {
        let mut found = TABLE.all.iter().enumerate().filter(|(i, d)| pickable(&d.code) && f(*i, d)).map(|(_, d)| d);
        match (found.next(), found.next()) {
            (Some(d), None) => Some(d),
            _ => None,
        }
    };
    pick(&|i, _| FULL_NAMES[i] == text)
        .or_else(|| pick(&|_, d| d.name == text))
        .or_else(|| city_by_name(&text))
        .or_else(|| pick(&|i, _| FULL_NAMES[i].ends_with(&format!(" {text}"))))
}

/// The prefecture-level cities of a province (for a municipality: itself).
pub fn cities_in_province(code: &str) -> Vec<&'static Division> {
    let prefix = &code[..2.min(code.len())];
    let mut out: Vec<&Division> = TABLE
        .all
        .iter()
        .filter(|d| d.code.starts_with(prefix) && d.level == "city" && !is_placeholder(&d.name))
        .collect();
    if out.is_empty() {
        out.extend(get(&format!("{prefix}0000000000")));
    }
    out
}

/// The districts and counties of a city (for a municipality: of the municipality).
pub fn districts_of(city: &str) -> Vec<&'static Division> {
    let Some(d) = get(city) else {
        return Vec::new();
    };
    let prefix = if d.level == "province" { &city[..2] } else { &city[..4] };
    TABLE.all.iter().filter(|x| x.code.starts_with(prefix) && x.level == "county").collect()
}

/// Finds a city by its Chinese name, with or without the 市 suffix (`南京`, `南京市`).
pub fn city_by_name(name: &str) -> Option<&'static Division> {
    let want = name.trim().trim_end_matches('市');
    TABLE.all.iter().find(|d| {
        (d.level == "city" || (d.level == "province" && d.name.ends_with('市')))
            && d.name.trim_end_matches('市') == want
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn districts_roll_up_to_their_city() {
        assert_eq!(city_code("320102000000").as_deref(), Some("320100000000")); // 玄武区 → 南京市
        assert_eq!(city_code("440106000000").as_deref(), Some("440100000000")); // 天河区 → 广州市
        assert_eq!(city_code("320100000000").as_deref(), Some("320100000000"));
    }

    #[test]
    fn municipalities_are_their_own_city() {
        assert_eq!(city_code("110108000000").as_deref(), Some("110000000000")); // 海淀区 → 北京市
        assert_eq!(city_code("310109000000").as_deref(), Some("310000000000"));
        assert_eq!(city_code("500233000000").as_deref(), Some("500000000000")); // 忠县 → 重庆市
        assert_eq!(city_code("110000000000").as_deref(), Some("110000000000"));
    }

    #[test]
    fn directly_administered_counties_stand_alone() {
        assert_eq!(city_code("469002000000").as_deref(), Some("469002000000")); // 琼海市
    }

    #[test]
    fn unknown_codes_and_provinces() {
        assert_eq!(city_code("999999999999"), None);
        assert_eq!(city_code("320000000000"), None);
    }

    #[test]
    fn names() {
        assert_eq!(full_name("320102000000").as_deref(), Some("江苏省 南京市 玄武区"));
        assert_eq!(full_name("110108000000").as_deref(), Some("北京市 海淀区"));
        assert_eq!(city_by_name("南京").map(|d| d.code.as_str()), Some("320100000000"));
        assert_eq!(city_by_name("北京市").map(|d| d.code.as_str()), Some("110000000000"));
        assert!(search("南京", 5).iter().any(|d| d.code == "320100000000"));
    }

    #[test]
    fn a_city_is_found_by_typing_its_name() {
        let names = |q: &str| suggest(q, 20).iter().map(|d| d.name.as_str()).collect::<Vec<_>>();
        let nanjing = names("南京");
        assert_eq!(nanjing[0], "南京市");
        assert!(nanjing.contains(&"江宁区") && nanjing.contains(&"玄武区"), "{nanjing:?}");
        assert!(!nanjing.contains(&"市辖区"));
        assert_eq!(names("南京 江宁"), vec!["江宁区"]);
        assert_eq!(names("江宁")[0], "江宁区");
        // A province is not a city; its cities are offered.
        let jiangsu = names("江苏");
        assert!(!jiangsu.contains(&"江苏省") && jiangsu[..13].contains(&"苏州市"), "{jiangsu:?}");
        assert_eq!(names("北京")[0], "北京市");
        assert!(names("海淀").contains(&"海淀区"));
    }

    #[test]
    fn what_a_person_typed_resolves_to_one_division() {
        let code = |t: &str| resolve(t).map(|d| d.code.as_str());
        assert_eq!(code("江苏省 南京市 江宁区"), Some("320115000000"));
        assert_eq!(code(" 江苏省  南京市 江宁区 "), Some("320115000000"));
        assert_eq!(code("320115000000"), Some("320115000000"));
        assert_eq!(code("江宁区"), Some("320115000000"));
        assert_eq!(code("南京"), Some("320100000000"));
        assert_eq!(code("南京市 江宁区"), Some("320115000000"));
        assert_eq!(code("北京市 朝阳区"), Some("110105000000"));
        assert_eq!(code("朝阳区"), None, "Beijing's and Changchun's");
        assert_eq!(code("火星"), None);
        assert_eq!(code(""), None);
    }
}
