//! `man`: the manual page, from the same clap definitions as the arguments, with a section per
//! subcommand, the environment and the examples of `--help`.

use crate::cli::{ENVIRONMENT, EXAMPLES, command};

/// One of clap_mangen's `Man::render_*_section` methods.
type RenderSection = fn(&clap_mangen::Man, &mut dyn std::io::Write) -> std::io::Result<()>;

/// The man page: clap_mangen's sections for the helper, then a section per subcommand with its
/// own synopsis, description and options (clap_mangen alone would point at one page per
/// subcommand, which a single `man` output cannot be), and the examples in no-fill mode so their
/// indentation survives.
pub fn page() -> String {
    let name = crate::program::PROGRAM_NAME;
    let helper = command().disable_help_subcommand(true);
    let mut page = Vec::new();
    let man = clap_mangen::Man::new(helper.clone());
    let sections: [RenderSection; 5] = [
        clap_mangen::Man::render_title,
        clap_mangen::Man::render_name_section,
        clap_mangen::Man::render_synopsis_section,
        clap_mangen::Man::render_description_section,
        clap_mangen::Man::render_options_section,
    ];
    for section in sections {
        section(&man, &mut page).expect("writing to a Vec cannot fail");
    }
    for sub in helper.get_subcommands() {
        let full_name = format!("{name} {}", sub.get_name());
        let sub_man = clap_mangen::Man::new(sub.clone().bin_name(full_name));
        let mut part = Vec::new();
        for section in [
            clap_mangen::Man::render_synopsis_section,
            clap_mangen::Man::render_description_section,
            clap_mangen::Man::render_options_section,
        ] {
            section(&sub_man, &mut part).expect("writing to a Vec cannot fail");
        }
        let part = String::from_utf8_lossy(&part).replace(".SH ", &format!(".SS \"{} ", sub.get_name()));
        let part =
            part.lines().map(|line| if line.starts_with(".SS \"") { format!("{line}\"") } else { line.to_owned() });
        page.extend(format!(".SH \"COMMAND: {}\"\n", sub.get_name().to_uppercase()).bytes());
        for line in part {
            page.extend(line.bytes());
            page.push(b'\n');
        }
        // Each subcommand's exit codes (its `--help` ends with them).
        if let Some(after) = sub.get_after_help() {
            let text = after.to_string();
            page.extend(format!(".SS \"{} EXIT CODES\"\n", sub.get_name()).bytes());
            for line in text.strip_prefix("Exit codes: ").unwrap_or(&text).lines() {
                page.extend(roff_line(line).bytes());
                page.push(b'\n');
            }
        }
    }
    // Every rendered section starts with the same two `Aq` string definitions: keep the first.
    let page = String::from_utf8_lossy(&page).into_owned();
    let mut seen_definitions = 0;
    let mut page: String = page
        .lines()
        .filter(|line| {
            let definition = line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq");
            seen_definitions += usize::from(definition);
            !definition || seen_definitions <= 2
        })
        .flat_map(|line| [line, "\n"])
        .collect();
    page.push_str(".SH ENVIRONMENT\n");
    for (variable, meaning) in ENVIRONMENT {
        page.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff_line(variable), roff_line(meaning)));
    }
    page.push_str(".SH EXAMPLES\n.nf\n");
    for line in EXAMPLES.lines().skip_while(|line| line.starts_with("Examples")) {
        page.push_str(&roff_line(line));
        page.push('\n');
    }
    page.push_str(".fi\n");
    page
}

/// A line of text for roff's no-fill mode: backslashes and hyphens escaped, a leading `.` or `'`
/// kept from being read as a request.
fn roff_line(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) { format!("\\&{escaped}") } else { escaped }
}
