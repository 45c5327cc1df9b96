declare module "*.min.js" {
  const path: string;
  export default path;
}
declare module "*.css" {
  const path: string;
  export default path;
}
declare module "*/static/app.js" {
  const path: string;
  export default path;
}
