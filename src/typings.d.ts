// The bundler (and jest) resolve CommonJS requires; tsc only needs the signature, used to
// read the package version from package.json without moving it under src/.
declare function require(id: string): any;
