/// The commented example `sxsim template` prints. Tests check that it reads without errors.
public enum FlowsheetTemplate {
    public static let text = """
    version: 1
    """
}
