// The error of reading executor folders from disk: its message names the file and is meant for the person who edits it
// (the CLI prints it without a stack; the demo seed fails naming the example).
export class FolderReadError extends Error {}
